import { LogLevel, type Logger as BoltLogger } from '@slack/bolt';
import type { Logger } from '../log.js';

/** Bolt logs through its own Logger interface; this sends it to pino so every line is JSON with redaction. */
export function boltLogger(logger: Logger): BoltLogger {
  const log = logger.child({ module: 'bolt' });
  let level = LogLevel.INFO;
  const text = (args: unknown[]) => args.map((arg) => (typeof arg === 'string' ? arg : String(arg))).join(' ');
  return {
    debug: (...args) => log.debug(text(args)),
    info: (...args) => log.info(text(args)),
    warn: (...args) => log.warn(text(args)),
    error: (...args) => log.error(text(args)),
    setLevel: (next) => {
      level = next;
    },
    getLevel: () => level,
    setName: () => {},
  };
}
