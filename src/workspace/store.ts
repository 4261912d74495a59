import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { z } from 'zod';
import type {
  JournalKind,
  StateJournal,
  StoredWorkspace,
  WorkspaceChannel,
  WorkspaceFile,
  WorkspaceMessage,
  WorkspaceUser,
  WorkspaceView,
} from './state.js';

/**
 * Local mode keeps the workspace in the same Redis as Opsdeck's own state, under `<REDIS_PREFIX>:workspace:` (issue
 * #20), rather than in a file beside it:
 * - one store, one history: Opsdeck's record of an incident and the workspace's record of the channel it names are
 *   written to the same AOF, the workspace's first (its writes leave within the tick that made the channel, before
 *   Opsdeck can even read the answer), so no crash leaves an incident pointing at a channel id the workspace forgot
 *   and would hand out again;
 * - REDIS_URL/REDIS_PREFIX and `--fresh` select or wipe both together: another Redis means another, matching,
 *   workspace, never old channels beside new incidents;
 * - writes are hash fields per record, batched per tick in one MULTI (all or nothing; no half-written file, no
 *   rewrite of the whole workspace per message), and survive a kill of this process as Opsdeck's own state does.
 * Tests and benches pass no store: their workspace stays in memory.
 */

/** The layout version; another one is refused at start with a pointer to `--fresh`. */
const FORMAT = '1';

const HASHES: Record<JournalKind, string> = {
  users: 'users',
  channels: 'channels',
  pins: 'pins',
  files: 'files',
  views: 'views',
  modals: 'modals',
  homes: 'homes',
};

function keysOf(root: string) {
  return {
    meta: `${root}:meta`,
    hash: (kind: JournalKind) => `${root}:${HASHES[kind]}`,
    /** One hash per channel, ts → message. */
    messages: (channel: string) => `${root}:messages:${channel}`,
  };
}

export interface WorkspaceStore {
  /** What the previous run left, or undefined when nothing was stored (first start, or after `--fresh`). */
  stored: StoredWorkspace | undefined;
  /** Give it to the workspace's state: every change is written from then on. */
  journal: StateJournal;
  /** Resolves once everything changed so far has been written (or failed and been logged). */
  flush(): Promise<void>;
  /** Flushes, then closes the store's connection. */
  close(): Promise<void>;
}

export interface WorkspaceStoreOptions {
  /** The Redis Opsdeck runs on. */
  url: string;
  /** Key root, `<REDIS_PREFIX>:workspace` (src/redis/keys.ts `workspace`). */
  root: string;
  logger?: Logger;
}

/** Connects, reads what a previous run stored, and returns the journal that keeps it up to date. */
export async function openWorkspaceStore(options: WorkspaceStoreOptions): Promise<WorkspaceStore> {
  const log = options.logger?.child({ module: 'workspace.store' });
  // Its own connection with an offline queue: a Redis restart delays the workspace's writes instead of dropping them.
  const redis = new Redis(options.url, {
    lazyConnect: true,
    maxRetriesPerRequest: null,
    retryStrategy: (times) => Math.min(times * 200, 2000),
  });
  redis.on('error', (err) => log?.warn({ err: { message: err.message } }, 'workspace store: redis connection error'));
  const keys = keysOf(options.root);
  try {
    await redis.connect();
    const stored = await load(redis, keys, log);
    const journal = new RedisJournal(redis, keys, log);
    // The format goes with the first write: a store is never without it.
    journal.format();
    return {
      stored,
      journal,
      flush: () => journal.flush(),
      close: async () => {
        await journal.flush();
        await redis.quit().catch(() => redis.disconnect());
      },
    };
  } catch (error) {
    redis.disconnect();
    throw error;
  }
}

type Keys = ReturnType<typeof keysOf>;

// Stored records are Opsdeck's own, but a record that does not parse (an older layout, a hand edit) is skipped with
// a warning rather than taking the start down. The checks cover what the state's code relies on.
const UserRecord = z.looseObject({ id: z.string(), name: z.string(), realName: z.string(), isBot: z.boolean() });
const ChannelRecord = z.looseObject({
  id: z.string(),
  name: z.string(),
  members: z.array(z.string()),
  topic: z.looseObject({ value: z.string() }),
  isIm: z.boolean(),
});
const MessageRecord = z.looseObject({
  channel: z.string(),
  ts: z.string().regex(/^\d+\.\d{6}$/),
  user: z.string(),
  text: z.string(),
});
const FileRecord = z.looseObject({
  id: z.string(),
  name: z.string(),
  shares: z.array(z.looseObject({ channel: z.string(), ts: z.string() })),
  content: z.string().optional(),
});
const ViewRecord = z.looseObject({
  id: z.string(),
  type: z.enum(['modal', 'home']),
  userId: z.string(),
  view: z.record(z.string(), z.unknown()),
});
const Strings = z.array(z.string());

async function load(redis: Redis, keys: Keys, log: Logger | undefined): Promise<StoredWorkspace | undefined> {
  const kinds = Object.keys(HASHES) as JournalKind[];
  const [meta, ...hashes] = (await Promise.all([
    redis.hgetall(keys.meta),
    ...kinds.map((kind) => redis.hgetall(keys.hash(kind))),
  ])) as Array<Record<string, string>>;
  const raw = Object.fromEntries(kinds.map((kind, i) => [kind, hashes[i] ?? {}])) as Record<
    JournalKind,
    Record<string, string>
  >;
  if (!meta?.format && Object.keys(raw.channels).length === 0) return undefined;
  if (meta?.format !== FORMAT) {
    throw new Error(
      `the local workspace stored in Redis (${keys.meta}) has format ${meta?.format ?? 'unknown'}, this Opsdeck ` +
        `reads format ${FORMAT}: start with \`npm start -- --fresh\` to wipe it and Opsdeck's local data`,
    );
  }
  let skipped = 0;
  const parse = <T>(schema: z.ZodType, values: Record<string, string>): T[] =>
    Object.values(values).flatMap((text) => {
      const result = schema.safeParse(safeJson(text));
      if (result.success) return [result.data as T];
      skipped += 1;
      return [];
    });
  const channels = parse<WorkspaceChannel>(ChannelRecord, raw.channels);
  const perChannel = await Promise.all(channels.map((c) => redis.hgetall(keys.messages(c.id))));
  const messages = perChannel.flatMap((values) => parse<WorkspaceMessage>(MessageRecord, values));
  const files = parse<WorkspaceFile & { content?: string }>(FileRecord, raw.files).map(
    ({ content, ...file }): WorkspaceFile => ({
      ...file,
      ...(content ? { content: Buffer.from(content, 'base64') } : {}),
    }),
  );
  const lists = (values: Record<string, string>) =>
    Object.fromEntries(
      Object.entries(values).flatMap(([id, text]) => {
        const result = Strings.safeParse(safeJson(text));
        if (result.success) return [[id, result.data]];
        skipped += 1;
        return [];
      }),
    );
  const stored: StoredWorkspace = {
    idCounter: Number(meta.idCounter) || 0,
    lastTsMicros: Number(meta.lastTsMicros) || 0,
    users: parse<WorkspaceUser>(UserRecord, raw.users),
    channels,
    messages,
    pins: lists(raw.pins),
    files,
    views: parse<WorkspaceView>(ViewRecord, raw.views),
    modalStacks: lists(raw.modals),
    homeViews: { ...raw.homes },
  };
  if (skipped > 0) log?.warn({ skipped }, 'workspace store: skipped stored records that do not parse');
  log?.info(
    { channels: channels.length, messages: messages.length, files: files.length },
    'local workspace restored from redis',
  );
  return stored;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** A file's bytes travel as base64 inside its record. */
function serialize(kind: JournalKind, value: unknown): string {
  if (typeof value === 'string') return value;
  if (kind === 'files') {
    const { content, ...file } = value as WorkspaceFile;
    return JSON.stringify({ ...file, ...(content ? { content: content.toString('base64') } : {}) });
  }
  return JSON.stringify(value);
}

/**
 * Collects what changed during one tick and writes it in one MULTI at the end of the tick (a microtask): a burst of
 * changes to one record (a thread parent gaining replies, a file completed and shared) is written once, and nothing
 * waits on Redis. Each record is a hash field, so a message costs one field, never a rewrite of its channel.
 */
class RedisJournal implements StateJournal {
  private records = new Map<JournalKind, Map<string, unknown>>();
  /** Channel → ts → message, or undefined when deleted. */
  private messages = new Map<string, Map<string, WorkspaceMessage | undefined>>();
  private meta: Record<string, string> | undefined;
  private scheduled = false;
  private readonly writing = new Set<Promise<void>>();
  private failing = false;

  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
    private readonly log: Logger | undefined,
  ) {}

  format(): void {
    this.meta = { ...this.meta, format: FORMAT };
    this.schedule();
  }

  put(kind: JournalKind, id: string, value: unknown): void {
    const records = this.records.get(kind) ?? new Map<string, unknown>();
    this.records.set(kind, records);
    records.set(id, value);
    this.schedule();
  }

  message(message: WorkspaceMessage, removed = false): void {
    const channel = this.messages.get(message.channel) ?? new Map<string, WorkspaceMessage | undefined>();
    this.messages.set(message.channel, channel);
    channel.set(message.ts, removed ? undefined : message);
    this.schedule();
  }

  counters(idCounter: number, lastTsMicros: number): void {
    this.meta = { ...this.meta, idCounter: String(idCounter), lastTsMicros: String(lastTsMicros) };
    this.schedule();
  }

  async flush(): Promise<void> {
    if (this.scheduled) this.write();
    while (this.writing.size > 0) await Promise.all([...this.writing]);
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    queueMicrotask(() => this.write());
  }

  private write(): void {
    if (!this.scheduled) return;
    this.scheduled = false;
    const multi = this.redis.multi();
    if (this.meta) multi.hset(this.keys.meta, this.meta);
    for (const [kind, records] of this.records) {
      this.fields(multi, this.keys.hash(kind), records, (value) => serialize(kind, value));
    }
    for (const [channel, records] of this.messages) {
      this.fields(multi, this.keys.messages(channel), records, (value) => JSON.stringify(value));
    }
    this.meta = undefined;
    this.records = new Map();
    this.messages = new Map();
    const settled = multi
      .exec()
      .then((results) => {
        const error = results?.find(([err]) => err)?.[0];
        if (error) throw error;
        if (this.failing) this.log?.info('workspace store: writing again');
        this.failing = false;
      })
      .catch((err: unknown) => {
        // Logged once per outage: a storm of messages must not become a storm of warnings.
        if (!this.failing) this.log?.error({ err }, 'workspace store: a write failed; the workspace keeps running');
        this.failing = true;
      });
    this.writing.add(settled);
    void settled.finally(() => this.writing.delete(settled));
  }

  private fields<T>(
    multi: ReturnType<Redis['multi']>,
    key: string,
    records: Map<string, T | undefined>,
    text: (value: T) => string,
  ): void {
    const set: Record<string, string> = {};
    const removed: string[] = [];
    for (const [id, value] of records) {
      if (value === undefined) removed.push(id);
      else set[id] = text(value);
    }
    if (Object.keys(set).length > 0) multi.hset(key, set);
    if (removed.length > 0) multi.hdel(key, ...removed);
  }
}

/** Deletes every key under `prefix:` (SCAN, never KEYS): `--fresh` on a Redis that Opsdeck shares with others. */
export async function wipePrefix(url: string, prefix: string): Promise<number> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  redis.on('error', () => {});
  try {
    await redis.connect();
    const pattern = `${prefix.replace(/[*?[\]\\]/g, '\\$&')}:*`;
    let cursor = '0';
    let deleted = 0;
    do {
      const [next, found] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
      if (found.length > 0) deleted += await redis.unlink(...found);
      cursor = next;
    } while (cursor !== '0');
    return deleted;
  } finally {
    await redis.quit().catch(() => redis.disconnect());
  }
}
