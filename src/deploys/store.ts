import type { RedisCommands } from '../redis/connections.js';
import { type Deploy, DeploySchema } from './deploy.js';
import type { Freeze, ManualLock } from './rules.js';

/** Deploys kept per service+environment in its history. */
const HISTORY_LENGTH = 200;
/** How long a deploy record is kept (the history list may outlive it; missing records are skipped). */
const RECORD_TTL_SECONDS = 180 * 86_400;

/** Deletes KEYS[1] only while it still holds ARGV[1]: a lock is released by its holder only. */
const RELEASE_SCRIPT = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

/**
 * The deploys capability's state in Redis: deploy records, each service+environment's history and deploy lock,
 * humans' locks, freezes, cancel requests and the "this run started" marks that keep a deploy from running twice.
 */
export class DeployStore {
  constructor(
    private readonly redis: RedisCommands,
    private readonly key: (...parts: string[]) => string,
  ) {}

  /** A short, unique, increasing id: `42`. */
  async nextId(): Promise<string> {
    return String(await this.redis.incr(this.key('seq')));
  }

  async save(deploy: Deploy): Promise<void> {
    await this.redis.set(this.key('deploy', deploy.id), JSON.stringify(deploy), 'EX', RECORD_TTL_SECONDS);
  }

  async get(id: string): Promise<Deploy | undefined> {
    const raw = await this.redis.get(this.key('deploy', id));
    return raw === null ? undefined : DeploySchema.parse(JSON.parse(raw));
  }

  /** Applies `change` to the stored deploy and saves it; undefined when no such deploy is kept. */
  async update(id: string, change: (deploy: Deploy) => Deploy): Promise<Deploy | undefined> {
    const deploy = await this.get(id);
    if (!deploy) return undefined;
    const next = change(deploy);
    await this.save(next);
    return next;
  }

  /** Records a new deploy and puts it first in its service+environment's history. */
  async record(deploy: Deploy): Promise<void> {
    const history = this.key('history', deploy.service, deploy.environment);
    await this.redis
      .multi()
      .set(this.key('deploy', deploy.id), JSON.stringify(deploy), 'EX', RECORD_TTL_SECONDS)
      .lpush(history, deploy.id)
      .ltrim(history, 0, HISTORY_LENGTH - 1)
      .exec();
  }

  /** The service+environment's deploys, newest first. */
  async history(service: string, environment: string, count = HISTORY_LENGTH): Promise<Deploy[]> {
    const ids = await this.redis.lrange(this.key('history', service, environment), 0, count - 1);
    if (ids.length === 0) return [];
    const raws = await this.redis.mget(ids.map((id) => this.key('deploy', id)));
    return raws.flatMap((raw) => (raw === null ? [] : [DeploySchema.parse(JSON.parse(raw))]));
  }

  /** Takes the service+environment's deploy lock for `id`; false when another deploy holds it. */
  async acquire(service: string, environment: string, id: string): Promise<boolean> {
    return (await this.redis.set(this.key('lock', service, environment), id, 'NX')) === 'OK';
  }

  async holder(service: string, environment: string): Promise<string | undefined> {
    return (await this.redis.get(this.key('lock', service, environment))) ?? undefined;
  }

  /** Releases the deploy lock if `id` holds it. */
  async release(service: string, environment: string, id: string): Promise<void> {
    await this.redis.eval(RELEASE_SCRIPT, 1, this.key('lock', service, environment), id);
  }

  /**
   * Marks that the run `runKey` started (`fresh` false when it had started before: a crashed worker's job picked up
   * again), and reads `environment`'s freeze, in one round trip.
   */
  async markStarted(runKey: string, environment: string): Promise<{ fresh: boolean; freeze?: Freeze }> {
    const replies = await this.redis
      .pipeline()
      .set(this.key('started', runKey), '1', 'EX', RECORD_TTL_SECONDS, 'NX')
      .get(this.key('freeze', environment))
      .exec();
    const [started, freeze] = (replies ?? []).map(([error, value]) => {
      if (error) throw error;
      return value;
    });
    return { fresh: started === 'OK', freeze: typeof freeze === 'string' ? (JSON.parse(freeze) as Freeze) : undefined };
  }

  async requestCancel(id: string, by: string): Promise<void> {
    await this.redis.set(this.key('cancel', id), by, 'EX', 86_400);
  }

  async cancelRequestedBy(id: string): Promise<string | undefined> {
    return (await this.redis.get(this.key('cancel', id))) ?? undefined;
  }

  async setLock(service: string, environment: string, lock: ManualLock): Promise<void> {
    await this.redis.set(this.key('manual-lock', service, environment), JSON.stringify(lock));
  }

  async getLock(service: string, environment: string): Promise<ManualLock | undefined> {
    const raw = await this.redis.get(this.key('manual-lock', service, environment));
    return raw === null ? undefined : (JSON.parse(raw) as ManualLock);
  }

  /** True when there was a lock to remove. */
  async unlock(service: string, environment: string): Promise<boolean> {
    return (await this.redis.del(this.key('manual-lock', service, environment))) === 1;
  }

  async setFreeze(environment: string, freeze: Freeze): Promise<void> {
    await this.redis.set(
      this.key('freeze', environment),
      JSON.stringify(freeze),
      'PX',
      Math.max(1, freeze.until - freeze.at),
    );
  }

  async getFreeze(environment: string): Promise<Freeze | undefined> {
    const raw = await this.redis.get(this.key('freeze', environment));
    return raw === null ? undefined : (JSON.parse(raw) as Freeze);
  }

  async unfreeze(environment: string): Promise<boolean> {
    return (await this.redis.del(this.key('freeze', environment))) === 1;
  }
}
