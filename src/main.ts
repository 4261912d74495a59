import type { Catalog } from './config/catalog.js';
import { type Env, loadEnv } from './config/env.js';
import { ConfigError } from './config/errors.js';
import { loadCatalogFor } from './config/load.js';
import { isCodedError } from './errors.js';
import { createLogger, type Logger } from './log.js';
import { type Opsdeck, type SlackTransport, slackTransport, startOpsdeck } from './runtime.js';
import type { LocalMode } from './workspace/local/local-mode.js';

/**
 * Composition root: environment → logger → catalog → (local workspace) → Opsdeck → signals. Startup problems print one
 * line each on stderr and exit 1; nothing here prints a secret.
 */
async function main(): Promise<void> {
  const env = loadEnv(process.env);
  const logger = createLogger({ level: env.logLevel });
  const cleanups: Array<() => Promise<void>> = [];
  try {
    let local: LocalMode | undefined;
    let slack: SlackTransport;
    let catalog: Catalog;
    let runtimeEnv: Env = env;
    if (env.slack.mode === 'local') {
      const { startLocalMode } = await import('./workspace/local/local-mode.js');
      local = await startLocalMode(env, logger, process.env);
      cleanups.push(local.close);
      ({ slack, catalog, env: runtimeEnv } = local);
    } else {
      catalog = await loadCatalogFor(env, process.env, logger);
      slack = slackTransport(env.slack);
    }
    const opsdeck = await startOpsdeck({ env: runtimeEnv, slack, catalog, logger });
    local?.connect(opsdeck.url);
    handleSignals(opsdeck, cleanups, logger);
  } catch (error) {
    // A private redis-server or the workspace may already run: stop them before main's catch exits.
    for (const cleanup of cleanups.reverse()) await cleanup();
    throw error;
  }
}

function handleSignals(opsdeck: Opsdeck, cleanups: Array<() => Promise<void>>, logger: Logger): void {
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting at once');
      process.exit(130);
    }
    stopping = true;
    logger.info({ signal }, 'shutting down');
    opsdeck
      .close()
      .then(async () => {
        for (const cleanup of cleanups.reverse()) await cleanup();
        process.exit(0);
      })
      .catch((error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      });
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((error: unknown) => {
  const lines =
    error instanceof ConfigError
      ? error.problems
      : [isCodedError(error) || error instanceof Error ? error.message : String(error)];
  process.stderr.write(`opsdeck: cannot start\n${lines.map((line) => `  ${line}`).join('\n')}\n`);
  process.exit(1);
});
