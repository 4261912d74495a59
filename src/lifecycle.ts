import { ConfigError } from './config/errors.js';
import { isCodedError } from './errors.js';
import type { Logger } from './log.js';

/**
 * A SIGINT this soon after the first one is the same Ctrl+C: a terminal sends SIGINT to the whole foreground process
 * group, so under `npm start` Opsdeck gets the terminal's copy and npm's forwarded copy milliseconds apart (issue #8).
 * Only a SIGINT sent later is a person insisting. SIGTERM comes from a supervisor addressed to this process alone, so
 * a second SIGTERM is always deliberate.
 */
export const REPEAT_SIGNAL_MS = 1000;

/** What a shutdown signal does: start the graceful shutdown, count as a copy of the first, or exit at once. */
export type SignalAction = 'shut-down' | 'same-signal' | 'exit-now';

/**
 * Pure rule for {@link handleSignals}: `first` is the first signal and when it came (undefined before any).
 */
export function signalAction(
  first: { signal: NodeJS.Signals; at: number } | undefined,
  signal: NodeJS.Signals,
  now: number,
): SignalAction {
  if (first === undefined) return 'shut-down';
  const copy = signal === 'SIGINT' && first.signal === 'SIGINT' && now - first.at < REPEAT_SIGNAL_MS;
  return copy ? 'same-signal' : 'exit-now';
}

/**
 * SIGTERM and SIGINT run `stop` (graceful: active jobs finish) and exit 0, or 1 when stopping fails. A second signal
 * exits at once with 130, except a copy of the first Ctrl+C (see {@link REPEAT_SIGNAL_MS}), which is ignored.
 */
export function handleSignals(stop: () => Promise<void>, logger: Logger, now: () => number = Date.now): void {
  let first: { signal: NodeJS.Signals; at: number } | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    switch (signalAction(first, signal, now())) {
      case 'same-signal':
        logger.debug({ signal }, 'the same Ctrl+C again (terminal and npm): already shutting down');
        return;
      case 'exit-now':
        logger.warn({ signal }, 'second signal: exiting at once');
        process.exit(130);
        return;
      case 'shut-down':
        first = { signal, at: now() };
        logger.info({ signal }, 'shutting down');
        stop().then(
          () => process.exit(0),
          (error: unknown) => {
            logger.error({ err: error }, 'shutdown failed');
            process.exit(1);
          },
        );
    }
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

/**
 * Runs an entry point. A startup failure prints `opsdeck: cannot start` and one line per problem on stderr, and exits
 * 1; configuration problems name the variable, never its value.
 */
export function runEntryPoint(start: () => Promise<void>): void {
  start().catch((error: unknown) => {
    const lines =
      error instanceof ConfigError
        ? error.problems
        : [isCodedError(error) || error instanceof Error ? error.message : String(error)];
    process.stderr.write(`opsdeck: cannot start\n${lines.map((line) => `  ${line}`).join('\n')}\n`);
    process.exit(1);
  });
}
