import type { RedisCommands } from '../redis/connections.js';
import { Records } from '../redis/records.js';
import { type Incident, IncidentSchema, type TimelineEntry, TimelineEntrySchema } from './incident.js';

/** Incidents are kept this long after their last change (postmortems are regenerated from them). */
const RECORD_TTL_SECONDS = 365 * 86_400;
/** Resolved incidents kept in each service's index. */
const RESOLVED_KEPT = 500;
/** Timeline entries kept per incident. */
const TIMELINE_LENGTH = 2000;

/**
 * Incidents in Redis: one record each, changed by compare-and-set so that clicks, commands and jobs in any process
 * never lose each other's changes; an index of open ones; the incident of each channel; the open title claims that
 * keep two open incidents from sharing a title; and each incident's timeline.
 */
export class IncidentStore {
  private readonly incidents: Records<Incident>;

  constructor(
    private readonly redis: RedisCommands,
    private readonly key: (...parts: string[]) => string,
  ) {
    this.incidents = new Records(redis, key, {
      kind: 'incident',
      ttlSeconds: RECORD_TTL_SECONDS,
      parse: (stored) => IncidentSchema.parse(stored),
      openSince: (incident) => (incident.state === 'resolved' ? undefined : incident.declaredAt),
    });
  }

  async nextId(): Promise<string> {
    return String(await this.redis.incr(this.key('seq')));
  }

  /**
   * Claims `titleKey` for incident `id` while it is open: the incident holding it already when another has it (and
   * that one is still open), else undefined.
   */
  async claimTitle(titleKey: string, id: string): Promise<Incident | undefined> {
    const key = this.key('title', titleKey);
    for (let tries = 0; tries < 3; tries++) {
      if ((await this.redis.set(key, id, 'NX')) === 'OK') return undefined;
      const holder = await this.redis.get(key);
      if (holder === null || holder === id) continue;
      const incident = await this.get(holder);
      if (incident && incident.state !== 'resolved') return incident;
      // The holder is resolved (or gone): take its place, unless someone else did meanwhile.
      await this.redis.eval(
        "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0",
        1,
        key,
        holder,
      );
    }
    throw new Error(`incidents: title ${titleKey} kept changing hands`);
  }

  async releaseTitle(incident: Incident): Promise<void> {
    await this.redis.eval(
      "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0",
      1,
      this.key('title', incident.titleKey),
      incident.id,
    );
  }

  async create(incident: Incident): Promise<void> {
    await this.change(incident.id, (current) => (current ? undefined : incident));
  }

  get(id: string): Promise<Incident | undefined> {
    return this.incidents.get(id);
  }

  /**
   * Applies `change` to the incident and stores what it returns (undefined stores nothing); reruns it on the newest
   * value when another process wrote meanwhile. Returns what was stored, or undefined.
   */
  async change(
    id: string,
    change: (incident: Incident | undefined) => Incident | undefined,
  ): Promise<Incident | undefined> {
    const next = await this.incidents.change(id, change);
    // Each service's resolved incidents, by when they were resolved: time to restore reads them without a scan.
    if (next?.service !== undefined && next.resolved) {
      const key = this.key('resolved', next.service);
      await this.redis
        .multi()
        .zadd(key, next.resolved.at, next.id)
        .zremrangebyrank(key, 0, -RESOLVED_KEPT - 1)
        .expire(key, RECORD_TTL_SECONDS)
        .exec();
    }
    return next;
  }

  /** The service's incidents resolved since `since` (ms), newest first; one reopened since is left out. */
  async resolvedSince(service: string, since: number): Promise<Incident[]> {
    const ids = await this.redis.zrevrangebyscore(this.key('resolved', service), '+inf', since);
    const incidents = await Promise.all(ids.map((id) => this.get(id)));
    return incidents.filter((incident): incident is Incident => incident?.state === 'resolved');
  }

  /** Open incidents, oldest first. */
  open(limit = 200): Promise<Incident[]> {
    return this.incidents.open(limit);
  }

  async setChannel(channel: string, id: string): Promise<void> {
    await this.redis.set(this.key('channel', channel), id, 'EX', RECORD_TTL_SECONDS);
  }

  /** The incident whose channel this is. */
  async byChannel(channel: string): Promise<Incident | undefined> {
    const id = await this.redis.get(this.key('channel', channel));
    return id === null ? undefined : this.get(id);
  }

  /** Removes an incident whose declaration failed before anything was set up for it. */
  async discard(incident: Incident): Promise<void> {
    await this.releaseTitle(incident);
    await this.redis
      .multi()
      .del(this.key('incident', incident.id), this.key('timeline', incident.id))
      .zrem(this.key('open'), incident.id)
      .exec();
  }

  /** Appends to the incident's timeline; returns the entry's number (1 for the first). */
  async append(id: string, entry: TimelineEntry): Promise<number> {
    const key = this.key('timeline', id);
    const results = await this.redis
      .multi()
      .rpush(key, JSON.stringify(entry))
      .ltrim(key, -TIMELINE_LENGTH, -1)
      .expire(key, RECORD_TTL_SECONDS)
      .exec();
    return Number(results?.[0]?.[1] ?? 0);
  }

  /** Marks a step of a job as done (a file uploaded); false when it was done before. */
  async markDone(...parts: string[]): Promise<boolean> {
    return (await this.redis.set(this.key('done', ...parts), '1', 'EX', RECORD_TTL_SECONDS, 'NX')) === 'OK';
  }

  async isDone(...parts: string[]): Promise<boolean> {
    return (await this.redis.exists(this.key('done', ...parts))) === 1;
  }

  async timeline(id: string): Promise<TimelineEntry[]> {
    const raws = await this.redis.lrange(this.key('timeline', id), 0, -1);
    return raws.map((raw) => TimelineEntrySchema.parse(JSON.parse(raw)));
  }

  /** Marks a message of the incident's channel as recorded; false when it was already (pinned and :pushpin:ed). */
  async markMessage(id: string, ts: string): Promise<boolean> {
    const key = this.key('marked', id);
    const added = await this.redis.sadd(key, ts);
    await this.redis.expire(key, RECORD_TTL_SECONDS);
    return added === 1;
  }
}
