import { type Logger, type LoggerOptions, pino } from 'pino';

export type { Logger } from 'pino';

/**
 * Keys whose values never reach a log line, at any depth, compared without case, `-` or `_`: Slack's deprecated
 * `token` field rides along in every payload; tokens and secrets sit in config objects and headers. Besides these,
 * any key ending in `token`, `secret` or `password` (`GITHUB_TOKEN`, `clientSecret`), and every value of a command's
 * `env` map (the way ops.yml hands secrets to commands).
 */
const SECRET_KEYS = new Set([
  'authorization',
  'xslacksignature',
  'cookie',
  'setcookie',
  'apikey',
  'privatekey',
  'routingkey',
  'signingsecret',
]);
const SECRET_SUFFIXES = ['token', 'secret', 'password'];
/** Keys whose whole value (a map of names to secrets) is blanked. */
const SECRET_MAPS = new Set(['env']);

/** Slack token shapes (`xoxb-…`, `xapp-…`): scrubbed from every string as a last line of defence. */
const TOKEN_PATTERN = /xox[abpr]-[A-Za-z0-9-]+|xapp-[A-Za-z0-9-]+/g;
const CENSOR = '[redacted]';
/** Deeper than this, a log object is not walked further (and not logged): no real log line nests that far. */
const MAX_DEPTH = 32;

function isSecretKey(key: string): boolean {
  const normal = key.toLowerCase().replace(/[-_]/g, '');
  return SECRET_KEYS.has(normal) || SECRET_SUFFIXES.some((suffix) => normal.endsWith(suffix));
}

/**
 * A copy of `value` with secrets blanked wherever they sit: values of secret keys, every value of an `env` map, and
 * Slack token shapes inside any string. Errors are serialised first (pino's err serializer), so their messages are
 * scrubbed too. Never bind user-controlled objects as top-level keys: nest them under `payload`.
 */
export function redactSecrets(value: unknown, depth = 0, seen = new WeakSet<object>()): unknown {
  if (typeof value === 'string') return value.replace(TOKEN_PATTERN, CENSOR);
  if (value === null || typeof value !== 'object') return value;
  if (depth > MAX_DEPTH) return '[too deep]';
  if (seen.has(value)) return '[circular]';
  seen.add(value);
  if (value instanceof Error) return redactSecrets(pino.stdSerializers.err(value), depth + 1, seen);
  if (Array.isArray(value)) return value.map((item) => redactSecrets(item, depth + 1, seen));
  if (Buffer.isBuffer(value) || value instanceof Date) return value;
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    if (isSecretKey(key)) out[key] = CENSOR;
    else if (SECRET_MAPS.has(key) && child !== null && typeof child === 'object') {
      out[key] = Object.fromEntries(Object.keys(child).map((name) => [name, CENSOR]));
    } else out[key] = redactSecrets(child, depth + 1, seen);
  }
  return out;
}

export function createLogger(
  options: { level?: string; name?: string; destination?: pino.DestinationStream } = {},
): Logger {
  const config: LoggerOptions = {
    level: options.level ?? 'info',
    name: options.name ?? 'opsdeck',
    formatters: { log: (object) => redactSecrets(object) as Record<string, unknown> },
    hooks: {
      logMethod(args, method) {
        const scrubbed = args.map((arg) => (typeof arg === 'string' ? arg.replace(TOKEN_PATTERN, CENSOR) : arg));
        method.apply(this, scrubbed as Parameters<typeof method>);
      },
    },
    serializers: { err: pino.stdSerializers.err },
  };
  const logger = options.destination ? pino(config, options.destination) : pino(config);
  // Child bindings skip formatters.log (pino serialises them once, at child()): they pass through the same walk here.
  // Children inherit from their parent, so this covers children of children too.
  const child = logger.child;
  logger.child = function (this: Logger, bindings, childOptions) {
    return child.call(this, redactSecrets(bindings) as typeof bindings, childOptions);
  } as Logger['child'];
  return logger;
}
