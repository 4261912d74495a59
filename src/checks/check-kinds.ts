/**
 * The kinds of health check a service declares under `checks:` in ops.yml (http, tcp, prometheus, command) and the
 * options every kind shares. These schemas are the contract the check runner and the scheduler are built on; the
 * catalog schema only places them under `services.<name>.checks`.
 */
import { z } from 'zod';
import { ArgvSchema, CommandEnvSchema } from '../config/argv.js';
import { duration } from '../config/duration.js';
import { httpUrl } from '../config/url.js';

const checkOptions = (defaultTimeoutMs: number) => ({
  timeout: duration().default(defaultTimeoutMs),
  /** How often the scheduler runs this check; unscheduled (on demand only) when absent. */
  interval: duration({ min: 1000 }).optional(),
  /** Consecutive failures before the check alerts (so a single blip does not page anyone). */
  failuresBeforeAlert: z.int().min(1).max(1000).default(3),
});

/** GET `url`; passes on `expect.status` when given, on any 2xx otherwise. */
export const HttpCheckSchema = z.strictObject({
  type: z.literal('http'),
  url: httpUrl(),
  expect: z.strictObject({ status: z.int().min(100).max(599).optional() }).optional(),
  ...checkOptions(5000),
});

/** Opens a TCP connection to `host:port`. */
export const TcpCheckSchema = z.strictObject({
  type: z.literal('tcp'),
  host: z.string().min(1),
  port: z.int().min(1).max(65_535),
  ...checkOptions(5000),
});

export const COMPARISON_OPS = ['<', '<=', '>', '>=', '=='] as const;

/**
 * Runs an instant `query` against the Prometheus at `url` (its base URL). With `expect`, passes when every sample
 * satisfies `<sample> <op> <value>`; without, passes when the query returns at least one sample.
 */
export const PrometheusCheckSchema = z.strictObject({
  type: z.literal('prometheus'),
  url: httpUrl(),
  query: z.string().min(1),
  expect: z
    .strictObject({
      op: z.enum(COMPARISON_OPS, { error: `must be one of ${COMPARISON_OPS.join(' ')}` }),
      value: z.number(),
    })
    .optional(),
  ...checkOptions(5000),
});

/** Runs `command` (no shell) with `env` added to its environment; passes on exit code 0. */
export const CommandCheckSchema = z.strictObject({
  type: z.literal('command'),
  command: ArgvSchema,
  env: CommandEnvSchema.default({}),
  ...checkOptions(10_000),
});

export const CHECK_TYPES = ['http', 'tcp', 'prometheus', 'command'] as const;

export const CheckSchema = z.discriminatedUnion(
  'type',
  [HttpCheckSchema, TcpCheckSchema, PrometheusCheckSchema, CommandCheckSchema],
  { error: (issue) => (issue.code === 'invalid_union' ? `must be one of ${CHECK_TYPES.join(', ')}` : undefined) },
);

export type Check = z.output<typeof CheckSchema>;
export type CheckType = Check['type'];
export type HttpCheck = z.output<typeof HttpCheckSchema>;
export type TcpCheck = z.output<typeof TcpCheckSchema>;
export type PrometheusCheck = z.output<typeof PrometheusCheckSchema>;
export type CommandCheck = z.output<typeof CommandCheckSchema>;
