/**
 * Every Redis key Opsdeck builds, in one place: what lives in Redis can be read off this file, and nothing else in
 * Opsdeck joins key strings. All keys start with one prefix (REDIS_PREFIX), so installations can share a Redis and a
 * test can delete its own keys.
 *
 * Redis Cluster: a Lua script (the audit append) and BullMQ's scripts touch several keys at once, which Cluster allows
 * only within one hash slot. With `hashTag`, the prefix is written `{opsdeck}`: Cluster hashes only the part in
 * braces, so every Opsdeck key — BullMQ's included, as BullMQ documents for Cluster — lands in the same slot.
 */
export interface RedisKeys {
  /** What every key starts with: `opsdeck`, or `{opsdeck}` with a Cluster hash tag. */
  readonly prefix: string;
  /** BullMQ's `prefix` option: queue `ping` lives under `<prefix>:q:ping:…`. */
  readonly bullPrefix: string;
  /**
   * An idempotency marker for a Slack id already handled (`<prefix>:seen:<kind>:<id>`), set with NX and a TTL:
   * `seen('event', event_id)`, `seen('command', trigger_id)`, `seen('action', trigger_id)`.
   */
  seen(kind: string, id: string): string;
  /** Cached members of a Slack user group (`<prefix>:usergroup:<S…>`), a JSON array with a TTL. */
  usergroupMembers(groupId: string): string;
  /** The job platform's marks, beside BullMQ's own keys. */
  readonly jobs: {
    /** A job id already enqueued, kept for the queue's dedupe TTL (`<prefix>:enqueued:<queue>:<jobId>`). */
    enqueued(queue: string, jobId: string): string;
    /** A job whose enqueue missed Slack's ack deadline: workers skip it (`<prefix>:abandoned:<queue>:<jobId>`). */
    abandoned(queue: string, jobId: string): string;
  };
  /** Set by the heartbeat job with a TTL; /readyz reads it (`<prefix>:heartbeat`). */
  readonly heartbeat: string;
  /**
   * Root of the local workspace's own keys (`<prefix>:workspace:…`, src/workspace/store.ts): local mode keeps its
   * Slack-compatible workspace beside Opsdeck's state, so both survive a restart and `--fresh` wipes both.
   */
  readonly workspace: string;
  /** Which ops.yml's schedules BullMQ holds (`jobs/schedules.ts`): every schedule set claimed, by revision. */
  readonly schedules: {
    /** Hash of schedule-set hash → its revision (`<prefix>:schedules:revisions`). */
    readonly revisions: string;
    /** Sorted set of schedule-set hashes by the last time a live process claimed them (`<prefix>:schedules:seen`). */
    readonly seen: string;
    /** The revision counter (`<prefix>:schedules:counter`). */
    readonly counter: string;
    /** The schedule-set hash last applied to BullMQ (`<prefix>:schedules:applied`). */
    readonly applied: string;
    /** Held while one process applies a set (`<prefix>:schedules:lock`). */
    readonly lock: string;
  };
  /** The audit log's keys. */
  readonly audit: {
    /** The stream of entries (`<prefix>:audit`). */
    readonly stream: string;
    /** Hash of the newest entry, the chain head (`<prefix>:audit:head`). */
    readonly head: string;
    /** Hash of the last entry retention removed, where `verify()` starts (`<prefix>:audit:checkpoint`). */
    readonly checkpoint: string;
    /** Per-user refusal counter for the current minute (`<prefix>:audit:refusals:<user>`). */
    refusals(userId: string): string;
  };
  /**
   * A capability's own key (`<prefix>:<capability>:<part>:…`), e.g. `capability('deploys', 'lock', 'api')`.
   */
  capability(name: string, ...parts: string[]): string;
}

export interface RedisKeyOptions {
  /** Wrap the prefix in `{…}` so every key hashes to one Redis Cluster slot. */
  hashTag?: boolean;
}

/** Builds the key names for one installation (prefix `REDIS_PREFIX`). */
export function redisKeys(prefix: string, options: RedisKeyOptions = {}): RedisKeys {
  const root = options.hashTag ? `{${prefix}}` : prefix;
  const key = (...parts: string[]) => [root, ...parts.map(escapePart)].join(':');
  return {
    prefix: root,
    bullPrefix: key('q'),
    seen: (kind, id) => key('seen', kind, id),
    usergroupMembers: (groupId) => key('usergroup', groupId),
    jobs: {
      enqueued: (queue, jobId) => key('enqueued', queue, jobId),
      abandoned: (queue, jobId) => key('abandoned', queue, jobId),
    },
    heartbeat: key('heartbeat'),
    workspace: key('workspace'),
    schedules: {
      revisions: key('schedules', 'revisions'),
      seen: key('schedules', 'seen'),
      counter: key('schedules', 'counter'),
      applied: key('schedules', 'applied'),
      lock: key('schedules', 'lock'),
    },
    audit: {
      stream: key('audit'),
      head: key('audit', 'head'),
      checkpoint: key('audit', 'checkpoint'),
      refusals: (userId) => key('audit', 'refusals', userId),
    },
    capability: (name, ...parts) => key(name, ...parts),
  };
}

/**
 * Parts are ids (Slack's, service names), but some arrive in requests: `:` inside one is escaped (and `%`, so the
 * escape is reversible) so that two different part lists can never build the same key.
 */
function escapePart(part: string): string {
  return part.replace(/%/g, '%25').replace(/:/g, '%3A');
}
