import type { RedisCommands } from '../redis/connections.js';
import {
  applyOperation,
  type EnvironmentState,
  type FlagDefinition,
  type FlagdFlagSet,
  type FlagOperation,
  FlagRefused,
  initialState,
  summarize,
  toFlagdSet,
} from './rules.js';

/** One recorded change of one flag: who, when, what, before → after, and through which approval. */
export interface FlagChange {
  key: string;
  /** Absent for changes that touch every environment (create, archive). */
  environment?: string;
  what: string;
  before?: string;
  after?: string;
  by: string;
  at: number;
  approval?: { id: string; approvedBy: string };
  /** Set by a guarded rollout's halt: why the percentage went back. */
  reason?: string;
}

export interface EnvironmentSnapshot {
  revision: number;
  set: FlagdFlagSet;
}

/** Per flag, at most this many history entries are kept (newest first). */
const HISTORY_KEPT = 200;
/** Changes are indexed by time this long, for "what changed before the incident". */
const CHANGES_KEPT_MS = 90 * 86_400_000;
const MAX_CAS_TRIES = 20;

/**
 * Writes an environment's state change, its recompiled flagd set, the revision, the history and the time index
 * together, only when the revision is still the one the caller compiled against; then tells every replica.
 * KEYS: revision, set, states hash, history list, changes zset. ARGV: expected revision, flag key (or ''), state JSON,
 * set JSON, change JSON (or ''), at, history kept, oldest change kept, channel, environment.
 */
const COMMIT_SCRIPT = `
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if current ~= tonumber(ARGV[1]) then return -1 end
if ARGV[2] ~= '' then redis.call('HSET', KEYS[3], ARGV[2], ARGV[3]) end
redis.call('SET', KEYS[2], ARGV[4])
local revision = redis.call('INCR', KEYS[1])
if ARGV[5] ~= '' then
  redis.call('LPUSH', KEYS[4], ARGV[5])
  redis.call('LTRIM', KEYS[4], 0, tonumber(ARGV[7]) - 1)
  redis.call('ZADD', KEYS[5], ARGV[6], ARGV[5])
  redis.call('ZREMRANGEBYSCORE', KEYS[5], '-inf', ARGV[8])
end
redis.call('PUBLISH', ARGV[9], ARGV[10] .. ' ' .. revision)
return revision
`;

/**
 * Flags in Redis. Definitions are one hash; each environment has a hash of states, its compiled flagd set and a
 * revision that every write bumps, atomically with the set (so a replica that reads revision N reads set N). Writes
 * are compare-and-set on the revision, retried, so two people changing one environment never lose either change.
 */
export class FlagStore {
  constructor(
    private readonly redis: RedisCommands,
    private readonly key: (...parts: string[]) => string,
    readonly environments: readonly string[],
  ) {}

  /** The pub/sub channel that carries `<environment> <revision>` after each write. */
  get channel(): string {
    return this.key('changed');
  }

  async definitions(): Promise<FlagDefinition[]> {
    const all = await this.redis.hgetall(this.key('definitions'));
    return Object.values(all)
      .map((json) => JSON.parse(json) as FlagDefinition)
      .sort((a, b) => a.key.localeCompare(b.key));
  }

  async definition(key: string): Promise<FlagDefinition | undefined> {
    const json = await this.redis.hget(this.key('definitions'), key);
    return json ? (JSON.parse(json) as FlagDefinition) : undefined;
  }

  async states(environment: string): Promise<Map<string, EnvironmentState>> {
    const all = await this.redis.hgetall(this.key('states', environment));
    return new Map(Object.entries(all).map(([key, json]) => [key, JSON.parse(json) as EnvironmentState]));
  }

  /** A flag's state in each environment (absent: never changed there, so off). */
  async statesOf(key: string): Promise<Record<string, EnvironmentState | undefined>> {
    const values = await Promise.all(this.environments.map((env) => this.redis.hget(this.key('states', env), key)));
    return Object.fromEntries(
      this.environments.map((env, i) => [env, values[i] ? (JSON.parse(values[i]!) as EnvironmentState) : undefined]),
    );
  }

  async revision(environment: string): Promise<number> {
    return Number((await this.redis.get(this.key('revision', environment))) ?? 0);
  }

  /** The environment's compiled set, as evaluators read it; an empty set at revision 0 before the first flag. */
  async snapshot(environment: string): Promise<EnvironmentSnapshot> {
    const [revision, json] = await Promise.all([
      this.redis.get(this.key('revision', environment)),
      this.redis.get(this.key('set', environment)),
    ]);
    if (json) {
      const set = JSON.parse(json) as FlagdFlagSet;
      return { revision: Number(set.metadata.version), set };
    }
    return { revision: Number(revision ?? 0), set: toFlagdSet(environment, 0, []) };
  }

  /** Creates a flag, off in every environment. Refuses a key that exists (archived ones included). */
  async create(definition: FlagDefinition): Promise<void> {
    const created = await this.redis.hsetnx(this.key('definitions'), definition.key, JSON.stringify(definition));
    if (created === 0) throw new FlagRefused(`A flag \`${definition.key}\` already exists.`);
    const change: FlagChange = { key: definition.key, what: 'created', by: definition.owner, at: definition.createdAt };
    for (const [i, environment] of this.environments.entries()) {
      await this.commit(environment, undefined, i === 0 ? change : undefined);
    }
  }

  async archive(key: string, by: string, at: number): Promise<void> {
    const definition = await this.definition(key);
    if (!definition || definition.archivedAt !== undefined) throw new FlagRefused(`No flag \`${key}\` to archive.`);
    await this.redis.hset(this.key('definitions'), key, JSON.stringify({ ...definition, archivedAt: at }));
    for (const [i, environment] of this.environments.entries()) {
      await this.commit(environment, undefined, i === 0 ? { key, what: 'archived', by, at } : undefined);
    }
  }

  /**
   * Applies an operation to one flag in one environment and publishes the new set. Returns the state before and
   * after. `extra` goes into the history entry (the approval it went through, a halt's reason).
   */
  async change(input: {
    key: string;
    environment: string;
    operation: FlagOperation;
    by: string;
    at: number;
    what: string;
    extra?: Pick<FlagChange, 'approval' | 'reason'>;
  }): Promise<{ before: EnvironmentState; after: EnvironmentState }> {
    const definition = await this.definition(input.key);
    if (!definition || definition.archivedAt !== undefined) throw new FlagRefused(`No flag \`${input.key}\`.`);
    for (let attempt = 0; attempt < MAX_CAS_TRIES; attempt++) {
      const revision = await this.revision(input.environment);
      const stored = await this.redis.hget(this.key('states', input.environment), input.key);
      const before = stored
        ? (JSON.parse(stored) as EnvironmentState)
        : initialState(definition.createdAt, definition.owner);
      const after = applyOperation(before, input.operation, input.at, input.by);
      const change: FlagChange = {
        key: input.key,
        environment: input.environment,
        what: input.what,
        before: summarize(before),
        after: summarize(after),
        by: input.by,
        at: input.at,
        ...input.extra,
      };
      if (await this.tryCommit(input.environment, revision, { key: input.key, state: after }, change)) {
        return { before, after };
      }
    }
    throw new Error(`flags: ${input.environment} kept changing; gave up after ${MAX_CAS_TRIES} tries`);
  }

  /** Newest first. */
  async history(key: string, count = 20): Promise<FlagChange[]> {
    const entries = await this.redis.lrange(this.key('history', key), 0, count - 1);
    return entries.map((json) => JSON.parse(json) as FlagChange);
  }

  /** Every change between two times (ms), oldest first. */
  async changesBetween(from: number, to: number): Promise<FlagChange[]> {
    const entries = await this.redis.zrangebyscore(this.key('changes'), from, to);
    return entries.map((json) => JSON.parse(json) as FlagChange);
  }

  /** Recompiles the environment's set (after a definition changed), with retries. */
  private async commit(environment: string, update: undefined, change: FlagChange | undefined): Promise<void> {
    for (let attempt = 0; attempt < MAX_CAS_TRIES; attempt++) {
      const revision = await this.revision(environment);
      if (await this.tryCommit(environment, revision, update, change)) return;
    }
    throw new Error(`flags: ${environment} kept changing; gave up after ${MAX_CAS_TRIES} tries`);
  }

  private async tryCommit(
    environment: string,
    revision: number,
    update: { key: string; state: EnvironmentState } | undefined,
    change: FlagChange | undefined,
  ): Promise<boolean> {
    const [definitions, states] = await Promise.all([this.definitions(), this.states(environment)]);
    if (update) states.set(update.key, update.state);
    const set = toFlagdSet(
      environment,
      revision + 1,
      definitions.map((definition) => ({ definition, state: states.get(definition.key) })),
    );
    const changeJson = change ? JSON.stringify(change) : '';
    const result = await this.redis.eval(
      COMMIT_SCRIPT,
      5,
      this.key('revision', environment),
      this.key('set', environment),
      this.key('states', environment),
      this.key('history', change?.key ?? '_'),
      this.key('changes'),
      String(revision),
      update?.key ?? '',
      update ? JSON.stringify(update.state) : '',
      JSON.stringify(set),
      changeJson,
      String(change?.at ?? 0),
      String(HISTORY_KEPT),
      String((change?.at ?? 0) - CHANGES_KEPT_MS),
      this.channel,
      environment,
    );
    return Number(result) !== -1;
  }
}
