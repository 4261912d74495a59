import { type Logger as BoltLogger, LogLevel } from '@slack/bolt';
import type { Logger } from '../log.js';

/**
 * Bolt logs through its own Logger interface; this sends it to pino so every line is JSON with redaction. Bolt calls
 * debug() several times per request: the level check comes first so a disabled level costs nothing.
 */
export function boltLogger(logger: Logger): BoltLogger {
  const log = logger.child({ module: 'bolt' });
  let level = LogLevel.INFO;
  const at =
    (method: 'debug' | 'info' | 'warn' | 'error') =>
    (...args: unknown[]) => {
      if (!log.isLevelEnabled(method)) return;
      log[method](args.map((arg) => (typeof arg === 'string' ? arg : String(arg))).join(' '));
    };
  return {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    setLevel: (next) => {
      level = next;
    },
    getLevel: () => level,
    setName: () => {},
  };
}
