import { z } from 'zod';
import { ConfigError } from './errors.js';
import { isUrlWith } from './url.js';

/** pino's levels, plus `silent`. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Which halves of Opsdeck this process runs: the Slack surface, the job workers, or both. */
export const PROCESS_ROLES = ['bot', 'worker', 'all'] as const;
export type ProcessRole = (typeof PROCESS_ROLES)[number];

/**
 * How Opsdeck talks to Slack:
 * - `local`: no Slack credentials at all — the built-in local workspace stands in for Slack;
 * - `http`: bot token + signing secret — Slack posts requests to Bolt's HTTP receiver;
 * - `socket`: bot token + app-level token — Socket Mode (the signing secret is optional and kept if given).
 */
export type SlackMode = 'local' | 'http' | 'socket';

/**
 * The Slack slice of the environment. Every member declares every field so that `env.slack.botToken` type-checks
 * anywhere; narrowing on `mode` makes the credentials that mode needs non-optional.
 */
export type SlackEnv =
  | {
      readonly mode: 'local';
      readonly botToken?: undefined;
      readonly signingSecret?: undefined;
      readonly appToken?: undefined;
      /** Web API base URL, always ending in `/` (e.g. `http://127.0.0.1:4000/api/`); Slack's own when absent. */
      readonly apiUrl?: string;
    }
  | {
      readonly mode: 'http';
      readonly botToken: string;
      readonly signingSecret: string;
      readonly appToken?: undefined;
      readonly apiUrl?: string;
    }
  | {
      readonly mode: 'socket';
      readonly botToken: string;
      readonly signingSecret?: string;
      readonly appToken: string;
      readonly apiUrl?: string;
    };

export interface HostPort {
  readonly host: string;
  readonly port: number;
}

export type RedisTopology =
  | { readonly kind: 'standalone' }
  | {
      readonly kind: 'sentinel';
      readonly sentinels: readonly HostPort[];
      readonly name: string;
      readonly sentinelPassword?: string;
    }
  | { readonly kind: 'cluster'; readonly nodes: readonly HostPort[] };

/** Opsdeck's validated environment. Built only by {@link loadEnv}; frozen. */
export interface Env {
  readonly slack: SlackEnv;
  readonly redis: {
    readonly url: string;
    /** Prefix of every Redis key and BullMQ queue Opsdeck owns. */
    readonly prefix: string;
    /**
     * Write keys with Redis Cluster hash tags (`keys.ts`): one slot per capability and per queue. Always on with
     * REDIS_CLUSTER_NODES; REDIS_CLUSTER_HASH_TAG asks for it behind a cluster proxy.
     */
    readonly hashTag: boolean;
    /** One Redis (REDIS_URL), a primary found through Sentinel, or a Cluster; REDIS_URL's credentials, TLS and db apply. */
    readonly topology: RedisTopology;
    /** Whether REDIS_URL was set: the local workspace starts its own redis-server only when it was not. */
    readonly explicit: boolean;
  };
  readonly http: { readonly port: number; readonly host: string };
  readonly opsConfig: {
    readonly path: string;
    /** Whether OPS_CONFIG was set: a missing file is then an error rather than "run with an empty catalog". */
    readonly explicit: boolean;
  };
  readonly role: ProcessRole;
  readonly logLevel: LogLevel;
  /** The slash command Opsdeck answers, e.g. `/ops`. */
  readonly slashCommand: string;
  /** Bearer token required by the inbound webhook endpoints; they are disabled when absent. */
  readonly webhookToken?: string;
  readonly shutdownTimeoutMs: number;
  readonly worker: {
    readonly concurrency: number;
    /** BullMQ lock duration: how long a job stays locked to a worker that has stopped renewing it. */
    readonly lockMs: number;
    /** Identity reported by `/ops ping`; the caller defaults it to `hostname:pid`. */
    readonly id?: string;
  };
  /** Durable Slack writes (src/slack/outbox): how long they wait for Slack before they are dead-lettered. */
  readonly outbox: {
    /** A write still failing this long after it was enqueued is dead-lettered. */
    readonly maxAgeMs: number;
    /** The longest wait between two tries of a write while Slack is failing. */
    readonly maxDelayMs: number;
  };
  /** How long resolved Slack user-group memberships are cached (0 disables the cache). */
  readonly usergroupCacheMs: number;
  readonly audit: {
    /** Entries older than this are removed (AUDIT_RETENTION_DAYS; a checkpoint keeps the chain verifiable). */
    readonly maxAgeMs: number;
    /** At most this many entries are kept; the oldest go first. */
    readonly maxEntries: number;
    /** Refusals logged per user per minute; further ones are counted and summarised in one entry. */
    readonly refusalsPerMinute: number;
  };
  /** The local workspace (local mode only; see `src/workspace/local-mode.ts`). 0 asks the OS for a free port. */
  readonly workspace: {
    /** The Slack-compatible server and its browser page, on 127.0.0.1. */
    readonly port: number;
    /** The demo service that ops.example.yml checks (`http://127.0.0.1:8081/healthz`). */
    readonly demoServicePort: number;
  };
}

export const DEFAULTS = {
  REDIS_URL: 'redis://127.0.0.1:6379',
  REDIS_PREFIX: 'opsdeck',
  PORT: 3000,
  HOST: '0.0.0.0',
  OPS_CONFIG: './ops.yml',
  ROLE: 'all',
  LOG_LEVEL: 'info',
  SLASH_COMMAND: '/ops',
  SHUTDOWN_TIMEOUT_MS: 25_000,
  WORKER_CONCURRENCY: 8,
  JOB_LOCK_MS: 30_000,
  OUTBOX_MAX_AGE_MS: 3_600_000,
  OUTBOX_RETRY_MAX_DELAY_MS: 60_000,
  USERGROUP_CACHE_MS: 60_000,
  AUDIT_RETENTION_DAYS: 365,
  AUDIT_MAX_ENTRIES: 1_000_000,
  AUDIT_REFUSALS_PER_MINUTE: 10,
  WORKSPACE_PORT: 3001,
  DEMO_SERVICE_PORT: 8081,
} as const;

/** An optional integer variable in [min, max]; one message whatever is wrong, so that it never quotes the value. */
function integer(min: number, max: number, fallback: number) {
  return z
    .string()
    .optional()
    .transform((raw, ctx) => {
      if (raw === undefined) return fallback;
      const value = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
      if (Number.isSafeInteger(value) && value >= min && value <= max) return value;
      ctx.addIssue({
        code: 'custom',
        message:
          max !== Number.MAX_SAFE_INTEGER
            ? `must be an integer between ${min} and ${max}`
            : min === 0
              ? 'must be a non-negative integer'
              : `must be an integer of at least ${min}`,
      });
      return z.NEVER;
    });
}

/** An optional yes/no variable: `true`/`false` (or `1`/`0`). */
/** `host:port,host:port` (Sentinels or Cluster seed nodes); a bracketed IPv6 host is allowed. */
function hostPorts() {
  return z
    .string()
    .transform((value, ctx) => {
      const list: HostPort[] = [];
      for (const item of value.split(',').map((part) => part.trim())) {
        const match = /^(\[[0-9a-fA-F:.]+\]|[a-zA-Z0-9.-]+):(\d{1,5})$/.exec(item);
        const port = Number(match?.[2]);
        if (!match || port < 1 || port > 65_535) {
          ctx.addIssue({ code: 'custom', message: 'must be a comma-separated list of host:port' });
          return z.NEVER;
        }
        list.push({ host: match[1]!.replace(/^\[|\]$/g, ''), port });
      }
      return list;
    })
    .optional();
}

function flag(fallback: boolean) {
  return z
    .enum(['true', 'false', '1', '0'], { error: 'must be true or false' })
    .optional()
    .transform((raw) => (raw === undefined ? fallback : raw === 'true' || raw === '1'));
}

function oneOf<const T extends readonly [string, ...string[]]>(values: T, fallback: T[number]) {
  return z.enum(values, { error: `must be one of ${values.join(', ')}` }).default(fallback);
}

/**
 * One schema per variable. Messages are fixed strings: zod's defaults never quote the input either, but a fixed
 * message makes "never echo a value" easy to see.
 */
const EnvSchema = z.object({
  SLACK_BOT_TOKEN: z.string().startsWith('xoxb-', { error: 'must be a bot token (starting with "xoxb-")' }).optional(),
  SLACK_SIGNING_SECRET: z.string().optional(),
  SLACK_APP_TOKEN: z
    .string()
    .startsWith('xapp-', { error: 'must be an app-level token (starting with "xapp-")' })
    .optional(),
  SLACK_API_URL: z
    .string()
    .refine((value) => isUrlWith(value, ['http', 'https']), { error: 'must be an http:// or https:// URL' })
    .transform((value) => (value.endsWith('/') ? value : `${value}/`))
    .optional(),
  REDIS_URL: z
    .string()
    .refine((value) => isUrlWith(value, ['redis', 'rediss']), { error: 'must be a redis:// or rediss:// URL' })
    .default(DEFAULTS.REDIS_URL),
  REDIS_PREFIX: z
    .string()
    .regex(/^[a-zA-Z0-9_-]+$/, { error: 'must contain only letters, digits, "_" and "-"' })
    .default(DEFAULTS.REDIS_PREFIX),
  REDIS_CLUSTER_HASH_TAG: flag(false),
  REDIS_SENTINELS: hostPorts(),
  REDIS_SENTINEL_NAME: z
    .string()
    .regex(/^[a-zA-Z0-9._-]+$/, { error: 'must contain only letters, digits, ".", "_" and "-"' })
    .optional(),
  REDIS_SENTINEL_PASSWORD: z.string().optional(),
  REDIS_CLUSTER_NODES: hostPorts(),
  // 0 asks the OS for a free port (tests, several workers on one host); the URL is logged at start.
  PORT: integer(0, 65_535, DEFAULTS.PORT),
  HOST: z.string().default(DEFAULTS.HOST),
  OPS_CONFIG: z.string().optional(),
  ROLE: oneOf(PROCESS_ROLES, DEFAULTS.ROLE),
  LOG_LEVEL: oneOf(LOG_LEVELS, DEFAULTS.LOG_LEVEL),
  SLASH_COMMAND: z
    .string()
    .regex(/^\/\S{1,31}$/, { error: 'must start with "/" and be 2–32 characters without spaces' })
    .default(DEFAULTS.SLASH_COMMAND),
  WEBHOOK_TOKEN: z.string().min(16, { error: 'must be at least 16 characters' }).optional(),
  SHUTDOWN_TIMEOUT_MS: integer(0, Number.MAX_SAFE_INTEGER, DEFAULTS.SHUTDOWN_TIMEOUT_MS),
  WORKER_CONCURRENCY: integer(1, 1000, DEFAULTS.WORKER_CONCURRENCY),
  JOB_LOCK_MS: integer(1, Number.MAX_SAFE_INTEGER, DEFAULTS.JOB_LOCK_MS),
  OUTBOX_MAX_AGE_MS: integer(1, Number.MAX_SAFE_INTEGER, DEFAULTS.OUTBOX_MAX_AGE_MS),
  OUTBOX_RETRY_MAX_DELAY_MS: integer(1, Number.MAX_SAFE_INTEGER, DEFAULTS.OUTBOX_RETRY_MAX_DELAY_MS),
  USERGROUP_CACHE_MS: integer(0, Number.MAX_SAFE_INTEGER, DEFAULTS.USERGROUP_CACHE_MS),
  AUDIT_RETENTION_DAYS: integer(1, 100_000, DEFAULTS.AUDIT_RETENTION_DAYS),
  AUDIT_MAX_ENTRIES: integer(100, Number.MAX_SAFE_INTEGER, DEFAULTS.AUDIT_MAX_ENTRIES),
  AUDIT_REFUSALS_PER_MINUTE: integer(1, 10_000, DEFAULTS.AUDIT_REFUSALS_PER_MINUTE),
  WORKER_ID: z.string().max(200, { error: 'must be at most 200 characters' }).optional(),
  WORKSPACE_PORT: integer(0, 65_535, DEFAULTS.WORKSPACE_PORT),
  DEMO_SERVICE_PORT: integer(0, 65_535, DEFAULTS.DEMO_SERVICE_PORT),
});

type EnvName = keyof typeof EnvSchema.shape;
type ParsedEnv = z.output<typeof EnvSchema>;
const NAMES = Object.keys(EnvSchema.shape) as EnvName[];

/**
 * Reads Opsdeck's configuration from `source` (process.env by default — this is the only place that reads it).
 * Values are trimmed and an empty value counts as unset (`FOO=` in a compose file or .env means "not given").
 *
 * @throws ConfigError listing every problem at once, one line per variable, never quoting a value.
 */
export function loadEnv(source: Record<string, string | undefined> = process.env): Env {
  const input: Partial<Record<EnvName, string>> = {};
  for (const name of NAMES) {
    const value = source[name]?.trim();
    if (value) input[name] = value;
  }

  const parsed = EnvSchema.safeParse(input);
  const problems: string[] = [];
  if (!parsed.success) {
    for (const issue of parsed.error.issues) problems.push(`${String(issue.path[0])}: ${issue.message}`);
  }

  problems.push(...pairingProblems(input));

  if (!parsed.success || problems.length > 0) throw new ConfigError(problems);
  const v = parsed.data;
  const topology = redisTopology(v);
  const slack = slackEnv(v);

  return deepFreeze({
    slack,
    redis: {
      url: v.REDIS_URL,
      prefix: v.REDIS_PREFIX,
      hashTag: v.REDIS_CLUSTER_HASH_TAG || topology.kind === 'cluster',
      topology,
      explicit: input.REDIS_URL !== undefined,
    },
    http: { port: v.PORT, host: v.HOST },
    opsConfig: { path: v.OPS_CONFIG ?? DEFAULTS.OPS_CONFIG, explicit: v.OPS_CONFIG !== undefined },
    role: v.ROLE,
    logLevel: v.LOG_LEVEL,
    slashCommand: v.SLASH_COMMAND,
    ...(v.WEBHOOK_TOKEN === undefined ? {} : { webhookToken: v.WEBHOOK_TOKEN }),
    shutdownTimeoutMs: v.SHUTDOWN_TIMEOUT_MS,
    worker: {
      concurrency: v.WORKER_CONCURRENCY,
      lockMs: v.JOB_LOCK_MS,
      ...(v.WORKER_ID === undefined ? {} : { id: v.WORKER_ID }),
    },
    outbox: { maxAgeMs: v.OUTBOX_MAX_AGE_MS, maxDelayMs: v.OUTBOX_RETRY_MAX_DELAY_MS },
    usergroupCacheMs: v.USERGROUP_CACHE_MS,
    audit: {
      maxAgeMs: v.AUDIT_RETENTION_DAYS * 24 * 3600_000,
      maxEntries: v.AUDIT_MAX_ENTRIES,
      refusalsPerMinute: v.AUDIT_REFUSALS_PER_MINUTE,
    },
    workspace: { port: v.WORKSPACE_PORT, demoServicePort: v.DEMO_SERVICE_PORT },
  });
}

/** Variables that only make sense together: each problem a line, as the schema's own. */
function pairingProblems(input: Partial<Record<EnvName, string>>): string[] {
  const problems: string[] = [];
  const { SLACK_BOT_TOKEN: bot, SLACK_SIGNING_SECRET: secret, SLACK_APP_TOKEN: app } = input;
  if (bot && !secret && !app) {
    problems.push('SLACK_SIGNING_SECRET: required with SLACK_BOT_TOKEN (or set SLACK_APP_TOKEN for Socket Mode)');
  }
  if (!bot && (secret || app)) {
    const given = [secret && 'SLACK_SIGNING_SECRET', app && 'SLACK_APP_TOKEN'].filter(Boolean).join(' and ');
    problems.push(`SLACK_BOT_TOKEN: required with ${given} (or unset them to use the local workspace)`);
  }

  if (input.REDIS_SENTINELS && input.REDIS_CLUSTER_NODES) {
    problems.push('REDIS_CLUSTER_NODES: set either REDIS_SENTINELS or REDIS_CLUSTER_NODES, not both');
  }
  if (input.REDIS_SENTINELS && !input.REDIS_SENTINEL_NAME) {
    problems.push('REDIS_SENTINEL_NAME: required with REDIS_SENTINELS (the name the Sentinels monitor the primary by)');
  }
  if (!input.REDIS_SENTINELS && (input.REDIS_SENTINEL_NAME || input.REDIS_SENTINEL_PASSWORD)) {
    problems.push('REDIS_SENTINELS: required with REDIS_SENTINEL_NAME / REDIS_SENTINEL_PASSWORD');
  }
  return problems;
}

/** Which Redis: through Sentinel, a Cluster, or one server at REDIS_URL. */
function redisTopology(v: ParsedEnv): RedisTopology {
  return v.REDIS_SENTINELS
    ? {
        kind: 'sentinel',
        sentinels: v.REDIS_SENTINELS,
        name: v.REDIS_SENTINEL_NAME!,
        ...(v.REDIS_SENTINEL_PASSWORD === undefined ? {} : { sentinelPassword: v.REDIS_SENTINEL_PASSWORD }),
      }
    : v.REDIS_CLUSTER_NODES
      ? { kind: 'cluster', nodes: v.REDIS_CLUSTER_NODES }
      : { kind: 'standalone' };
}

/** How Opsdeck reaches Slack: Socket Mode with an app token, HTTP with a signing secret, else the local workspace. */
function slackEnv(v: ParsedEnv): SlackEnv {
  const apiUrl = v.SLACK_API_URL === undefined ? {} : { apiUrl: v.SLACK_API_URL };
  if (v.SLACK_BOT_TOKEN && v.SLACK_APP_TOKEN) {
    return {
      mode: 'socket',
      botToken: v.SLACK_BOT_TOKEN,
      appToken: v.SLACK_APP_TOKEN,
      ...(v.SLACK_SIGNING_SECRET === undefined ? {} : { signingSecret: v.SLACK_SIGNING_SECRET }),
      ...apiUrl,
    };
  } else if (v.SLACK_BOT_TOKEN && v.SLACK_SIGNING_SECRET) {
    return { mode: 'http', botToken: v.SLACK_BOT_TOKEN, signingSecret: v.SLACK_SIGNING_SECRET, ...apiUrl };
  } else {
    return { mode: 'local', ...apiUrl };
  }
}

function deepFreeze<T extends object>(value: T): T {
  for (const child of Object.values(value)) {
    if (child !== null && typeof child === 'object') deepFreeze(child);
  }
  return Object.freeze(value);
}
