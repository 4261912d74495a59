import { createHash } from 'node:crypto';
import type { FlagdCore } from '@openfeature/flagd-core';
import type { Logger } from '../log.js';
import { type FlagdFlag, type FlagdFlagSet, isSplit, type JsonValue } from './rules.js';
import type { EnvironmentSnapshot } from './store.js';

/** OFREP's reasons, as Opsdeck gives them. */
export type Reason = 'STATIC' | 'TARGETING_MATCH' | 'SPLIT' | 'DISABLED' | 'DEFAULT';
export type EvaluationErrorCode = 'FLAG_NOT_FOUND' | 'TARGETING_KEY_MISSING' | 'GENERAL';

export type Evaluation =
  | { key: string; value: JsonValue; variant: string; reason: Reason }
  | { key: string; errorCode: EvaluationErrorCode; errorDetails: string };

export type EvaluationContext = Record<string, unknown> & { targetingKey?: string };

interface Loaded {
  revision: number;
  core: FlagdCore;
  set: FlagdFlagSet;
}

/** flagd-core logs through OpenFeature's logger interface; targeting problems are the flag's, not the request's. */
function coreLogger(logger: Logger) {
  return {
    error: (...args: unknown[]) => logger.warn({ detail: String(args[0]) }, 'flagd-core'),
    warn: (...args: unknown[]) => logger.debug({ detail: String(args[0]) }, 'flagd-core'),
    info: () => {},
    debug: () => {},
  };
}

/**
 * Evaluates flags from memory: each environment's flagd set is loaded once into flagd-core and replaced when a newer
 * revision is announced (pub/sub) or found (after a reconnect). Requests never wait on Redis once loaded.
 */
export class Evaluator {
  private readonly loaded = new Map<string, Loaded>();
  private readonly loading = new Map<string, Promise<Loaded>>();
  private readonly log: ReturnType<typeof coreLogger>;

  constructor(
    private readonly read: (environment: string) => Promise<EnvironmentSnapshot>,
    logger: Logger,
  ) {
    this.log = coreLogger(logger);
  }

  /** The environment's flags in memory, loading them the first time. */
  async environment(environment: string): Promise<Loaded> {
    const loaded = this.loaded.get(environment);
    if (loaded) return loaded;
    return this.reload(environment);
  }

  /** Loads the environment again unless what is in memory is at `revision` or newer. */
  async announced(environment: string, revision: number): Promise<void> {
    const loaded = this.loaded.get(environment);
    if (loaded && loaded.revision >= revision) return;
    // Environments nobody asked about yet stay unloaded: the first request loads the newest.
    if (!loaded) return;
    await this.reload(environment);
  }

  /** After a reconnect: announcements may have been missed, so every loaded environment is read again if it moved. */
  async recheck(revisionOf: (environment: string) => Promise<number>): Promise<void> {
    await Promise.all(
      [...this.loaded.entries()].map(async ([environment, loaded]) => {
        if ((await revisionOf(environment)) !== loaded.revision) await this.reload(environment);
      }),
    );
  }

  private reload(environment: string): Promise<Loaded> {
    const pending = this.loading.get(environment);
    if (pending) return pending;
    const next = (async () => {
      try {
        const snapshot = await this.read(environment);
        const current = this.loaded.get(environment);
        if (current && current.revision >= snapshot.revision) return current;
        // Imported on the first evaluation: a process that never evaluates a flag (a worker, a bot nobody asks) does
        // not hold flagd-core's JSON Logic engine and schemas.
        const { FlagdCore } = await import('@openfeature/flagd-core');
        const core = new FlagdCore(undefined, this.log);
        core.setConfigurations(JSON.stringify(snapshot.set));
        const loaded = { revision: snapshot.revision, core, set: snapshot.set };
        this.loaded.set(environment, loaded);
        return loaded;
      } finally {
        this.loading.delete(environment);
      }
    })();
    this.loading.set(environment, next);
    return next;
  }
}

/** One flag, evaluated by flagd-core, with OFREP's reason. */
export function evaluateFlag(loaded: Loaded, key: string, context: EvaluationContext): Evaluation {
  const definition = Object.hasOwn(loaded.set.flags, key) ? loaded.set.flags[key] : undefined;
  const flag = definition && loaded.core.getFlag(key);
  if (!definition || !flag) return { key, errorCode: 'FLAG_NOT_FOUND', errorDetails: `Flag '${key}' was not found` };
  // flagd serves a disabled flag's code default; Opsdeck's "off" means the `off` variant, said as DISABLED.
  if (definition.state === 'DISABLED') {
    return { key, value: definition.variants.off ?? null, variant: 'off', reason: 'DISABLED' };
  }
  if (definition.targeting && typeof context.targetingKey !== 'string') {
    return {
      key,
      errorCode: 'TARGETING_KEY_MISSING',
      errorDetails: `Flag '${key}' is targeted: the context needs a targetingKey`,
    };
  }
  const result = flag.evaluate(context as Parameters<typeof flag.evaluate>[0]);
  if (result.reason === 'ERROR') {
    return { key, errorCode: 'GENERAL', errorDetails: `Flag '${key}' could not be evaluated` };
  }
  const variant = result.variant ?? definition.defaultVariant;
  return {
    key,
    value: (result.value ?? null) as JsonValue,
    variant,
    reason: reasonOf(definition, result.reason, context),
  };
}

function reasonOf(flag: FlagdFlag, reason: string, context: EvaluationContext): Reason {
  if (reason === 'TARGETING_MATCH' && isSplit(flag, context.targetingKey)) return 'SPLIT';
  if (reason === 'TARGETING_MATCH' || reason === 'STATIC' || reason === 'DEFAULT') return reason;
  return 'DEFAULT';
}

/** Every flag of the environment, for OFREP's bulk evaluation. */
export function evaluateAll(loaded: Loaded, context: EvaluationContext): Evaluation[] {
  return Object.keys(loaded.set.flags).map((key) => evaluateFlag(loaded, key, context));
}

/**
 * The bulk answer's ETag: the environment's revision and the context (another context may evaluate differently), so
 * `If-None-Match` gives 304 exactly when neither moved.
 */
export function etagOf(environment: string, revision: number, context: EvaluationContext): string {
  const digest = createHash('sha256').update(JSON.stringify(context)).digest('base64url').slice(0, 16);
  return `"${environment}-${revision}-${digest}"`;
}
