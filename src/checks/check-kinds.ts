/**
 * The kinds of health check a service declares under `checks:` in ops.yml (http, tcp, prometheus, slo, command,
 * redis) and the
 * options every kind shares. These schemas are the contract the check runner and the scheduler are built on; the
 * catalog schema only places them under `services.<name>.checks`.
 */
import { z } from 'zod';
import { ArgvSchema, CommandEnvSchema } from '../config/argv.js';
import { duration } from '../config/duration.js';
import { regexSource } from '../config/regex-source.js';
import { httpUrl, isUrlWith } from '../config/url.js';

const checkOptions = (defaultTimeoutMs: number) => ({
  timeout: duration().default(defaultTimeoutMs),
  /** How often the scheduler runs this check; unscheduled (on demand only) when absent. */
  interval: duration({ min: 1000 }).optional(),
  /** Consecutive failures before the check alerts (so a single blip does not page anyone). */
  failuresBeforeAlert: z.int().min(1).max(1000).default(3),
  /** The `severity` label of its alert, which `alerts.routes` can match (`match: { severity: critical }`). */
  severity: z
    .string()
    .regex(/^[a-z0-9_-]{1,30}$/i, { error: 'must be a word (letters, digits, _ or -)' })
    .default('warning'),
});

export const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'] as const;

/**
 * A value in a JSON body, by a dotted path: `status`, `checks.db.status`, `items[0].name` (a leading `$.` is allowed,
 * as in JSONPath, which this small subset follows). Names are `[A-Za-z0-9_-]+`; `[n]` indexes an array.
 */
export const JSON_PATH = /^(\$\.?)?[A-Za-z0-9_-]+(\[\d+\])*(\.[A-Za-z0-9_-]+(\[\d+\])*)*$/;

/**
 * Requests `url` with `method` (GET) and `headers` (secrets through `${VAR}`); passes on `expect.status` when given,
 * on any 2xx otherwise, and when the body contains `expect.bodyContains`, matches `expect.bodyMatches`, has
 * `expect.json.equals` at `expect.json.path` (or any value there without `equals`), and, for https, the certificate
 * is valid for at least `expect.certDaysLeft` more days. https certificates are verified against the system's CAs, or
 * `caFile` (a PEM file), or not at all with `insecure: true`.
 */
export const HttpCheckSchema = z
  .strictObject({
    type: z.literal('http'),
    url: httpUrl(),
    /** GET when absent. */
    method: z.enum(HTTP_METHODS, { error: `must be one of ${HTTP_METHODS.join(' ')}` }).optional(),
    headers: z.record(z.string().regex(/^[A-Za-z0-9-]+$/, { error: 'must be a header name' }), z.string()).optional(),
    expect: z
      .strictObject({
        status: z.int().min(100).max(599).optional(),
        bodyContains: z.string().min(1).optional(),
        bodyMatches: regexSource().optional(),
        json: z
          .strictObject({
            path: z.string().regex(JSON_PATH, { error: 'must be a dotted path such as $.status or checks.db[0].ok' }),
            equals: z.union([z.string(), z.number(), z.boolean(), z.null()]).optional(),
          })
          .optional(),
        /** https only: fails when the server's certificate expires in fewer days. */
        certDaysLeft: z.int().min(0).max(3650).optional(),
      })
      .optional(),
    /** https: a PEM file with the CA(s) that signed the server's certificate (a private CA). */
    caFile: z.string().min(1).optional(),
    /** https: accept any certificate (self-signed, expired, another host's); `certDaysLeft` is still checked. */
    insecure: z.boolean().optional(),
    ...checkOptions(5000),
  })
  .superRefine((check, ctx) => {
    const https = check.url.startsWith('https:');
    if (!https && check.expect?.certDaysLeft !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['expect', 'certDaysLeft'], message: 'needs an https:// url' });
    }
    if (!https && (check.caFile !== undefined || check.insecure)) {
      ctx.addIssue({ code: 'custom', path: [check.caFile ? 'caFile' : 'insecure'], message: 'needs an https:// url' });
    }
    if (check.caFile !== undefined && check.insecure) {
      ctx.addIssue({ code: 'custom', path: ['insecure'], message: 'cannot be combined with caFile' });
    }
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

/**
 * A service-level objective over `window` from two PromQL expressions, `good` and `total`, in which `$window` stands
 * for the range (`sum(rate(http_requests_total{code!~"5.."}[$window]))`). Reports attainment, error budget left and
 * the burn rate over 1 h and 6 h; fails when the budget is spent or burns faster than `burnRate` allows (the
 * multi-window thresholds of Google's SRE workbook: 14.4× over 1 h spends 2 % of a 30-day budget, 6× over 6 h 5 %).
 */
export const SloCheckSchema = z.strictObject({
  type: z.literal('slo'),
  url: httpUrl(),
  good: z.string().includes('$window', { error: 'must use $window for the range, e.g. rate(x[$window])' }),
  total: z.string().includes('$window', { error: 'must use $window for the range, e.g. rate(x[$window])' }),
  /** Percent, e.g. 99.9. */
  objective: z.number().gt(0).lt(100),
  window: duration({ min: 60_000 }).default(30 * 86_400_000),
  burnRate: z
    .strictObject({ fast: z.number().positive().default(14.4), slow: z.number().positive().default(6) })
    .default({ fast: 14.4, slow: 6 }),
  ...checkOptions(5000),
});

/** Sends PING to the Redis at `url` (`redis://` or `rediss://`, password in the URL); passes on PONG. */
export const RedisCheckSchema = z.strictObject({
  type: z.literal('redis'),
  url: z.string().refine((value) => isUrlWith(value, ['redis', 'rediss']), {
    error: 'Invalid URL (expected redis:// or rediss://)',
  }),
  ...checkOptions(5000),
});

/** Runs `command` (no shell) with `env` added to its environment; passes on exit code 0. */
export const CommandCheckSchema = z.strictObject({
  type: z.literal('command'),
  command: ArgvSchema,
  env: CommandEnvSchema.default({}),
  ...checkOptions(10_000),
});

export const CHECK_TYPES = ['http', 'tcp', 'prometheus', 'command', 'slo', 'redis'] as const;

export const CheckSchema = z.discriminatedUnion(
  'type',
  [HttpCheckSchema, TcpCheckSchema, PrometheusCheckSchema, SloCheckSchema, CommandCheckSchema, RedisCheckSchema],
  { error: (issue) => (issue.code === 'invalid_union' ? `must be one of ${CHECK_TYPES.join(', ')}` : undefined) },
);

export type Check = z.output<typeof CheckSchema>;
export type CheckType = Check['type'];
export type HttpCheck = z.output<typeof HttpCheckSchema>;
export type TcpCheck = z.output<typeof TcpCheckSchema>;
export type PrometheusCheck = z.output<typeof PrometheusCheckSchema>;
export type CommandCheck = z.output<typeof CommandCheckSchema>;
export type SloCheck = z.output<typeof SloCheckSchema>;
export type RedisCheck = z.output<typeof RedisCheckSchema>;
