/**
 * Every Redis key Opsdeck builds, in one place: what lives in Redis can be read off this file, and nothing else in
 * Opsdeck joins key strings. All keys start with one prefix (REDIS_PREFIX), so installations can share a Redis and a
 * test can delete its own keys.
 *
 * Redis Cluster: a Lua script, MULTI or pipeline may touch several keys only within one hash slot, and BullMQ's scripts
 * touch a queue's keys together. With `hashTag` every key carries a hash tag (Cluster hashes only the part in braces)
 * naming its group: `{opsdeck:deploys}:lock:api` — one slot per capability (its scripts and transactions use only its
 * own keys), the audit log's, the dedupe marks' — and BullMQ's `prefix` is `{opsdeck:q:<queue>}`, one slot per queue
 * as BullMQ documents for Cluster. Different groups land on different slots, so a Cluster spreads the load.
 */
export interface RedisKeys {
  /** REDIS_PREFIX: every key starts with it (`{` first with hash tags). */
  readonly prefix: string;
  /**
   * BullMQ's `prefix` option for one queue: queue `ping` lives under `<prefix>:q:ping:…`, or `{<prefix>:q:ping}:ping:…`
   * with hash tags.
   */
  bullPrefix(queue: string): string;
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
  /** Give every key a Redis Cluster hash tag naming its group (a capability, a queue, the audit log…). */
  hashTag?: boolean;
}

/** Builds the key names for one installation (prefix `REDIS_PREFIX`). */
export function redisKeys(prefix: string, options: RedisKeyOptions = {}): RedisKeys {
  // The first part names the group: with hash tags, it and the prefix are the tag.
  const key = (group: string, ...parts: string[]) =>
    options.hashTag
      ? [`{${prefix}:${escapePart(group)}}`, ...parts.map(escapePart)].join(':')
      : [prefix, ...[group, ...parts].map(escapePart)].join(':');
  const bullPrefix = (queue: string) => (options.hashTag ? `{${prefix}:q:${escapePart(queue)}}` : `${prefix}:q`);
  return {
    prefix,
    bullPrefix,
    seen: (kind, id) => key('seen', kind, id),
    usergroupMembers: (groupId) => key('usergroup', groupId),
    jobs: {
      // With hash tags, beside their queue's keys: the marks of a busy queue are spread with it.
      enqueued: (queue, jobId) =>
        options.hashTag ? `${bullPrefix(queue)}:enqueued:${escapePart(jobId)}` : key('enqueued', queue, jobId),
      abandoned: (queue, jobId) =>
        options.hashTag ? `${bullPrefix(queue)}:abandoned:${escapePart(jobId)}` : key('abandoned', queue, jobId),
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
