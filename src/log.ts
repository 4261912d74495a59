import { type Logger, type LoggerOptions, pino } from 'pino';

export type { Logger } from 'pino';

/**
 * Paths pino blanks out wherever they appear. Slack's deprecated `token` field rides along in every payload; tokens and
 * secrets may sit in config objects. Never bind user-controlled objects as top-level keys: nest them under `payload`.
 */
export const REDACT_PATHS = [
  'token',
  '*.token',
  '*.*.token',
  'botToken',
  '*.botToken',
  'appToken',
  '*.appToken',
  'signingSecret',
  '*.signingSecret',
  'webhookToken',
  '*.webhookToken',
  'headers.authorization',
  '*.headers.authorization',
  'headers["x-slack-signature"]',
  'password',
  '*.password',
];

/** Slack token shapes (`xoxb-…`, `xapp-…`): scrubbed from log messages as a last line of defence. */
const TOKEN_PATTERN = /xox[abpr]-[A-Za-z0-9-]+|xapp-[A-Za-z0-9-]+/g;

export function createLogger(
  options: { level?: string; name?: string; destination?: pino.DestinationStream } = {},
): Logger {
  const config: LoggerOptions = {
    level: options.level ?? 'info',
    name: options.name ?? 'opsdeck',
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    hooks: {
      logMethod(args, method) {
        const scrubbed = args.map((arg) => (typeof arg === 'string' ? arg.replace(TOKEN_PATTERN, '[redacted]') : arg));
        method.apply(this, scrubbed as Parameters<typeof method>);
      },
    },
    serializers: { err: pino.stdSerializers.err },
  };
  return options.destination ? pino(config, options.destination) : pino(config);
}
