import type { RedisCommands } from '../redis/connections.js';
import { Records } from '../redis/records.js';
import { isFinal, type Run } from './run.js';

export { MarkTaken } from '../redis/records.js';

/** How long a run is kept after its last change. */
const RUN_TTL_SECONDS = 30 * 86_400;

/**
 * The run id claimed under KEYS[1] (an alert firing), made from the sequence KEYS[2] the first time only.
 * ARGV: ttl seconds. Returns {id, 1 when made now}.
 */
const CLAIM_RUN = `local id = redis.call('GET', KEYS[1])
if id then return {id, 0} end
id = tostring(redis.call('INCR', KEYS[2]))
redis.call('SET', KEYS[1], id, 'EX', tonumber(ARGV[1]))
return {id, 1}`;

/** Deletes KEYS[1] only when it still holds ARGV[1]: a lock is released by its holder only. */
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

/**
 * Runs in Redis: one JSON record per run (its plan and each step's state) changed by compare-and-set, so a step's end,
 * a Cancel click and an approval in different processes never lose each other's changes; the concurrency locks; and
 * the markers that make each step attempt start at most once.
 */
export class RunStore {
  private readonly records: Records<Run>;

  constructor(
    private readonly redis: RedisCommands,
    private readonly key: (...parts: string[]) => string,
  ) {
    this.records = new Records<Run>(redis, key, {
      kind: 'run',
      ttlSeconds: RUN_TTL_SECONDS,
      parse: (stored) => stored as Run,
      openSince: (run) => (isFinal(run.status) ? undefined : run.createdAt),
    });
  }

  async nextId(): Promise<string> {
    return String(await this.redis.incr(this.key('seq')));
  }

  get(id: string): Promise<Run | undefined> {
    return this.records.get(id);
  }

  /**
   * Applies `change` atomically (rerun on conflict); `change` returns the run unchanged (or undefined) to write nothing.
   * When `starts` names the step attempt the run written starts, the write also marks it started (see `markStarted`),
   * in the same step, so no other job can ever start it too, and one less round trip than marking first.
   * @throws MarkTaken when that attempt was started before: nothing is written
   */
  change(
    id: string,
    change: (run: Run) => Run | undefined,
    starts?: (run: Run) => { index: number; attempt: number } | undefined,
  ): Promise<Run | undefined> {
    const mark =
      starts &&
      ((run: Run) => {
        const step = starts(run);
        return step && this.startedKey(id, step.index, step.attempt);
      });
    return this.records.change(id, (run) => (run ? change(run) : undefined), mark);
  }

  /** Records a new run; one already recorded under its id stays as it is. */
  async create(run: Run): Promise<void> {
    await this.records.create(run.id, run);
  }

  /** Runs not yet over, oldest first. */
  open(limit = 50): Promise<Run[]> {
    return this.records.open(limit);
  }

  /** Takes the concurrency lock `name` for run `id`; false when another run holds it. */
  async acquire(name: string, id: string): Promise<boolean> {
    return (await this.redis.set(this.key('lock', name), id, 'EX', RUN_TTL_SECONDS, 'NX')) === 'OK';
  }

  async holder(name: string): Promise<string | undefined> {
    return (await this.redis.get(this.key('lock', name))) ?? undefined;
  }

  async release(name: string, id: string): Promise<void> {
    await this.redis.eval(RELEASE, 1, this.key('lock', name), id);
  }

  /** True for the first of the requests named `name` within `ttlSeconds` (later ones within it: false). */
  async firstWithin(name: string, ttlSeconds: number): Promise<boolean> {
    return (await this.redis.set(this.key('asked', name), '1', 'EX', ttlSeconds, 'NX')) === 'OK';
  }

  /** Forgets a request `firstWithin` counted (it did not go through). */
  async forget(name: string): Promise<void> {
    await this.redis.del(this.key('asked', name));
  }

  /** True the first time only: a step attempt that was started once is never started again, whatever reruns it. */
  async markStarted(id: string, index: number, attempt: number): Promise<boolean> {
    return (await this.redis.set(this.startedKey(id, index, attempt), '1', 'EX', RUN_TTL_SECONDS, 'NX')) === 'OK';
  }

  private startedKey(id: string, index: number, attempt: number): string {
    return this.key('started', id, String(index), String(attempt));
  }

  /**
   * The run id of `name` (an alert group's firing): a new one the first time, the same one after — so a rerun of
   * whatever claimed it (a worker killed halfway through starting the run) finishes starting that run, not another.
   */
  async claimRun(name: string, ttlSeconds: number): Promise<{ id: string; fresh: boolean }> {
    const [id, fresh] = (await this.redis.eval(
      CLAIM_RUN,
      2,
      this.key('once', name),
      this.key('seq'),
      String(ttlSeconds),
    )) as [string, number];
    return { id: String(id), fresh: fresh === 1 };
  }
}
