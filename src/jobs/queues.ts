import { type JobsOptions, Queue } from 'bullmq';
import type { Logger } from '../log.js';
import type { Enqueuer, QueueDef } from '../platform/queue.js';
import type { RedisCommands, RedisConnections } from '../redis/connections.js';

/** Finished jobs stay this long for debugging; dedupe does not depend on it (see `deduplication` below). */
const KEEP_COMPLETED_SECONDS = 3600;
const KEEP_FAILED_SECONDS = 7 * 24 * 3600;
const DEFAULT_DEDUPE_TTL_SECONDS = 24 * 3600;

/** Job name of jobs enqueued under Slack's ack deadline: only those are checked for abandonment. */
export const ACK_JOB_NAME = 'ack';

/**
 * The bot enqueues before it acks, and Slack gives up after 3 s. The queue connection fails at once while Redis is
 * disconnected; this deadline covers a Redis that is connected but not answering (overloaded, a network partition the
 * socket has not noticed yet), so the user sees our message instead of Slack's generic timeout.
 */
export const ENQUEUE_DEADLINE_MS = 2000;

/**
 * Queues built from the capabilities' declarations. Every enqueue checks the payload with the queue's schema and takes
 * the job id from the declaration, so idempotency is decided in one place.
 */
export class JobQueues implements Enqueuer {
  private readonly definitions = new Map<string, QueueDef<unknown>>();
  private readonly queues = new Map<string, Queue>();
  /**
   * One producer connection for every queue, shared: a bot process enqueues onto a few of the ~20 declared queues, and
   * a BullMQ Queue given options rather than a client opens a connection of its own (20 connections, each loading
   * BullMQ's scripts, for a process that mostly answers Slack). Producers send no blocking commands, so sharing one
   * connection delays nothing.
   */
  private readonly connection: RedisCommands;
  private readonly log: Logger;

  constructor(
    private readonly redis: RedisConnections,
    definitions: readonly QueueDef<unknown>[],
    private readonly logger: Logger,
    private readonly enqueueDeadlineMs = ENQUEUE_DEADLINE_MS,
  ) {
    this.log = logger.child({ module: 'jobs.queues' });
    for (const def of definitions) this.definitions.set(def.name, def);
    this.connection = redis.connect('queue');
    // Connection errors while Redis restarts are expected; ioredis reconnects by itself.
    this.connection.on('error', (err) => this.log.warn({ err: { message: err.message } }, 'queue connection error'));
  }

  /** The producer of a declared queue, made on first use: a process holds only the queues it enqueues onto. */
  queue(name: string): Queue {
    const made = this.queues.get(name);
    if (made) return made;
    const def = this.definitions.get(name);
    if (!def) throw new Error(`no queue ${name} is declared`);
    const queue = new Queue(def.name, {
      connection: this.connection,
      prefix: this.redis.bullPrefix(def.name),
      defaultJobOptions: jobOptions(def),
    });
    queue.on('error', (err) => this.log.warn({ queue: name, err: { message: err.message } }, 'queue error'));
    this.queues.set(name, queue);
    return queue;
  }

  async enqueue<T>(def: QueueDef<T>, data: T, options: { withinAck?: boolean; delayMs?: number } = {}): Promise<void> {
    const parsed = def.schema.parse(data);
    const jobId = safeId(def.jobId(parsed));
    const work = this.add(def, parsed, jobId, options.withinAck ? ACK_JOB_NAME : def.name, options.delayMs);
    if (!options.withinAck) return work;
    try {
      await withinDeadline(work, this.enqueueDeadlineMs);
    } catch (error) {
      // The user is about to be told it failed: if the add still lands, the job must not run. The mark goes out on
      // the add's own connection, so Redis applies it right after the add; workers check it before running ack jobs.
      // Not awaited: while Redis is stalled it would hold the user's answer too.
      this.abandon(def.name, jobId).catch(() => {});
      throw error;
    }
  }

  /**
   * Adds once per job id for the declaration's dedupe TTL. BullMQ refuses a second job with the id of one it still
   * holds; the `enqueued` mark covers the time after the finished job was removed (BullMQ drops its own
   * deduplication key with the job), so a replay a day later adds nothing either.
   */
  private async add<T>(def: QueueDef<T>, data: T, jobId: string, name: string, delayMs?: number): Promise<void> {
    const queue = this.queue(def.name);
    const jobOptions = { jobId, ...(delayMs !== undefined && { delay: Math.max(0, Math.round(delayMs)) }) };
    if (def.dedupeTtlSeconds === 0) {
      await queue.add(name, data, jobOptions);
      return;
    }
    const client = await queue.client;
    const mark = this.redis.keys.jobs.enqueued(def.name, jobId);
    if ((await client.get(mark)) !== null) return;
    await queue.add(name, data, jobOptions);
    await client.set(mark, '1', { EX: def.dedupeTtlSeconds ?? DEFAULT_DEDUPE_TTL_SECONDS });
  }

  async cancel<T>(def: QueueDef<T>, id: string): Promise<'removed' | 'running'> {
    // BullMQ's remove refuses (0) only a job whose lock a worker holds; an id it does not hold is removed trivially.
    const removed = await this.queue(def.name).remove(safeId(id));
    return removed === 1 ? 'removed' : 'running';
  }

  async replace<T>(def: QueueDef<T>, data: T, options: { delayMs?: number } = {}): Promise<'replaced' | 'running'> {
    const parsed = def.schema.parse(data);
    const jobId = safeId(def.jobId(parsed));
    if ((await this.cancel(def, jobId)) === 'running') return 'running';
    const client = await this.queue(def.name).client;
    await client.del(this.redis.keys.jobs.enqueued(def.name, jobId));
    await this.add(def, parsed, jobId, def.name, options.delayMs);
    return 'replaced';
  }

  /** Redis key marking a job whose enqueue missed its deadline. */
  abandonedKey(queue: string, jobId: string): string {
    return this.redis.keys.jobs.abandoned(queue, jobId);
  }

  private async abandon(queue: string, jobId: string): Promise<void> {
    const client = await this.queue(queue).client;
    await client.set(this.abandonedKey(queue, jobId), '1', { EX: 3600 });
    this.logger.warn({ queue, jobId }, 'enqueue missed the ack deadline; the job is marked abandoned');
  }

  /**
   * True when the producers' connection answers, i.e. an enqueue would go through now. It is a connection of its own:
   * after a failover it can still be reconnecting when the commands connection is back, and readiness says so.
   */
  async ping(): Promise<boolean> {
    return this.connection.ping().then(
      () => true,
      () => false,
    );
  }

  async depth(): Promise<Record<string, Record<string, number>>> {
    const entries = await Promise.all(
      [...this.definitions.keys()].map(
        async (name) => [name, await this.queue(name).getJobCounts('waiting', 'active', 'delayed', 'failed')] as const,
      ),
    );
    return Object.fromEntries(entries);
  }

  async close(): Promise<void> {
    await Promise.all([...this.queues.values()].map((queue) => queue.close()));
    // The queues leave a connection they were given open.
    if (this.connection.status !== 'end') await this.connection.quit().catch(() => this.connection.disconnect());
  }
}

function jobOptions(def: QueueDef<unknown>): JobsOptions {
  return {
    attempts: def.attempts,
    backoff: { type: def.backoff.type, delay: def.backoff.delayMs },
    removeOnComplete: { age: KEEP_COMPLETED_SECONDS },
    removeOnFail: { age: KEEP_FAILED_SECONDS },
  };
}

async function withinDeadline<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('the job queue (Redis) did not answer in time')), ms);
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** BullMQ job ids may not contain ':' (nor be plain integers); Slack ids are digits, letters and dots. */
function safeId(id: string): string {
  return id.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 200);
}
