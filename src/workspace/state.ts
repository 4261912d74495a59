import type { EventEmitter } from 'node:events';

/**
 * The fake workspace's in-memory state. Mutations go through methods so each one emits an event (`message`,
 * `message_changed`, …) for tests and the live browser UI; reads may use the maps directly.
 */

export interface WorkspaceUser {
  id: string;
  name: string;
  realName: string;
  isAdmin: boolean;
  isBot: boolean;
}

export interface WorkspaceChannel {
  id: string;
  name: string;
  /** User ids, including the bot user when the bot is a member. */
  members: string[];
  topic: { value: string; creator: string; lastSet: number };
  isPrivate: boolean;
  /** A direct message between the bot and `members[0]`. */
  isIm: boolean;
  created: number;
  creator: string;
}

export interface WorkspaceMessage {
  channel: string;
  ts: string;
  /** Author: a user id, or the bot user id for bot messages (which also carry `botId`). */
  user: string;
  botId?: string;
  text: string;
  blocks?: unknown[];
  attachments?: unknown[];
  metadata?: unknown;
  threadTs?: string;
  replyCount?: number;
  replyUsers?: string[];
  latestReply?: string;
  edited?: { user: string; ts: string };
  /** Set for ephemeral messages: the only user who sees it. */
  ephemeralFor?: string;
  reactions?: Array<{ name: string; users: string[]; count: number }>;
  /** Ids of the files shared with this message (files.completeUploadExternal). */
  files?: string[];
}

/**
 * A file of the upload flow: reserved by files.getUploadURLExternal, its bytes POSTed to the upload URL, then
 * completed (and usually shared into a channel) by files.completeUploadExternal.
 */
export interface WorkspaceFile {
  id: string;
  name: string;
  title: string;
  /** The byte count announced to files.getUploadURLExternal; the upload must match it. */
  length: number;
  /** Secret part of the upload URL. */
  uploadToken: string;
  /** Where the bot (with its token) downloads the content, as Slack's `url_private` / `url_private_download`. */
  urlPrivate: string;
  urlPrivateDownload: string;
  user: string;
  created: number;
  content?: Buffer;
  completed: boolean;
  /** Channels the file was shared into, with the ts of the sharing message. */
  shares: Array<{ channel: string; ts: string }>;
}

/** A view as Slack shapes it (`id`, `hash`, `state`, `root_view_id`, …), plus who it belongs to. */
export interface WorkspaceView {
  id: string;
  type: 'modal' | 'home';
  userId: string;
  view: Record<string, unknown>;
  /** Errors from the last `response_action: "errors"` ack, keyed by block_id. */
  errors?: Record<string, string>;
}

/**
 * Everything a persisted workspace keeps (local mode, src/workspace/store.ts): enough to rebuild the state after a
 * restart with the same ids, so that what Opsdeck stored (an incident's channel, a card's ts) still points where it did.
 */
export interface StoredWorkspace {
  /** The last id counter handed out: ids are never reused, even those of views closed since. */
  idCounter: number;
  lastTsMicros: number;
  users: WorkspaceUser[];
  channels: WorkspaceChannel[];
  /** Every channel's messages, in any order (ts orders them). */
  messages: WorkspaceMessage[];
  pins: Record<string, string[]>;
  files: WorkspaceFile[];
  views: WorkspaceView[];
  modalStacks: Record<string, string[]>;
  homeViews: Record<string, string>;
}

/** The parts of the state a journal writes, one record per id (a hash field in the store). */
export type JournalKind = 'users' | 'channels' | 'pins' | 'files' | 'views' | 'modals' | 'homes';

/**
 * Told of every change, synchronously, by the state's mutating methods: what a persisted workspace writes. Values are
 * the live objects (a later change in the same tick is written with them); `undefined` removes the record.
 */
export interface StateJournal {
  put(kind: JournalKind, id: string, value: unknown): void;
  message(message: WorkspaceMessage, removed?: boolean): void;
  counters(idCounter: number, lastTsMicros: number): void;
}

export interface WorkspaceStateOptions {
  teamId: string;
  appId: string;
  botUserId: string;
  botId: string;
  botName: string;
  now: () => number;
  events: EventEmitter;
  users?: Array<{ id: string; name: string; realName?: string; isAdmin?: boolean }>;
  channels?: Array<{ id: string; name: string; members?: string[]; isPrivate?: boolean }>;
  usergroups?: Record<string, string[]>;
  /** The workspace as a previous run left it; the seeds above are added to it (see {@link WorkspaceState.restore}). */
  restore?: StoredWorkspace;
  /** Absent (tests, benches): the state lives in memory only. */
  journal?: StateJournal;
}

/** The counter inside an id made by {@link WorkspaceState.nextId} (`C0000000A1` → 0xA1 in base 36), or 0. */
export function idCount(id: string): number {
  const match = /^[A-Z]0([0-9A-Z]{8})$/.exec(id);
  return match ? Number.parseInt(match[1]!, 36) : 0;
}

/** A message ts (`seconds.micros`) as microseconds. */
export function tsMicros(ts: string): number {
  const [seconds = '0', micros = '0'] = ts.split('.');
  return Number(seconds) * 1_000_000 + Number(micros.padEnd(6, '0').slice(0, 6));
}

export class WorkspaceState {
  readonly teamId: string;
  readonly appId: string;
  readonly botUserId: string;
  readonly botId: string;
  readonly users = new Map<string, WorkspaceUser>();
  readonly channels = new Map<string, WorkspaceChannel>();
  /** Messages per channel in posting order: top-level, thread replies and ephemeral messages alike. */
  readonly messages = new Map<string, WorkspaceMessage[]>();
  readonly views = new Map<string, WorkspaceView>();
  /** Open modal view ids per user, root first (Slack allows 3). */
  readonly modalStacks = new Map<string, string[]>();
  /** Published Home tab view id per user. */
  readonly homeViews = new Map<string, string>();
  /** Pinned message ts per channel. */
  readonly pins = new Map<string, Set<string>>();
  readonly usergroups = new Map<string, string[]>();
  /** Files by id, from the moment an upload URL is handed out. */
  readonly files = new Map<string, WorkspaceFile>();

  private readonly now: () => number;
  private readonly events: EventEmitter;
  private readonly journal: StateJournal | undefined;
  private lastTsMicros = 0;
  private idCounter = 0;

  constructor(options: WorkspaceStateOptions) {
    this.teamId = options.teamId;
    this.appId = options.appId;
    this.botUserId = options.botUserId;
    this.botId = options.botId;
    this.now = options.now;
    this.events = options.events;
    this.journal = options.journal;
    if (options.restore)
      this.restore(
        options.restore,
        (options.channels ?? []).map((c) => c.id),
      );
    // Seeded users are the catalog's as of this run: they replace stored ones of the same id.
    for (const u of options.users ?? []) {
      this.putUser({ id: u.id, name: u.name, realName: u.realName ?? u.name, isAdmin: !!u.isAdmin, isBot: false });
    }
    this.putUser({
      id: options.botUserId,
      name: options.botName,
      realName: options.botName,
      isAdmin: false,
      isBot: true,
    });
    // Seeded channels without a member list have everyone in them (bot included): the common test set-up. A seeded
    // channel a previous run stored keeps its topic and members, and gains users the catalog added since.
    const everyone = [...this.users.keys()];
    for (const c of options.channels ?? []) {
      const stored = this.channels.get(c.id);
      if (stored) {
        for (const user of c.members ?? everyone) if (!stored.members.includes(user)) stored.members.push(user);
        this.journal?.put('channels', stored.id, stored);
        continue;
      }
      this.putChannel({
        id: c.id,
        name: c.name,
        members: [...(c.members ?? everyone)],
        topic: { value: '', creator: '', lastSet: 0 },
        isPrivate: !!c.isPrivate,
        isIm: false,
        created: Math.floor(this.now() / 1000),
        creator: options.botUserId,
      });
    }
    for (const [id, members] of Object.entries(options.usergroups ?? {})) this.usergroups.set(id, [...members]);
  }

  /**
   * Takes back a stored workspace as it was. The counters continue from the stored ones, or from the highest id and
   * ts stored when those are higher, so no id or ts is handed out twice.
   */
  private restore(stored: StoredWorkspace, seeded: string[]): void {
    for (const user of stored.users) this.users.set(user.id, user);
    // Channels in the order a run makes them (conversations.list and the page list them so): seeded ones first, then
    // the ones made since, by id.
    const rank = (id: string) => {
      const index = seeded.indexOf(id);
      return index >= 0 ? index - seeded.length : idCount(id);
    };
    const channels = [...stored.channels].sort((a, b) => rank(a.id) - rank(b.id));
    for (const channel of channels) {
      this.channels.set(channel.id, channel);
      this.messages.set(channel.id, []);
    }
    const byTs = [...stored.messages].sort((a, b) => tsMicros(a.ts) - tsMicros(b.ts));
    for (const message of byTs) this.messages.get(message.channel)?.push(message);
    for (const [channel, list] of Object.entries(stored.pins)) this.pins.set(channel, new Set(list));
    for (const file of stored.files) this.files.set(file.id, file);
    for (const view of stored.views) this.views.set(view.id, view);
    for (const [user, stack] of Object.entries(stored.modalStacks)) this.modalStacks.set(user, stack);
    for (const [user, view] of Object.entries(stored.homeViews)) this.homeViews.set(user, view);
    // Seeded channel ids are the catalog's own and may only look like ours (`C0ALERTS01`).
    const made = [...this.channels.keys()].filter((id) => !seeded.includes(id));
    const ids = [...made, ...this.files.keys(), ...this.views.keys()].map(idCount);
    this.idCounter = ids.reduce((max, n) => Math.max(max, n), stored.idCounter);
    this.lastTsMicros = stored.messages.reduce(
      (max, m) => Math.max(max, tsMicros(m.ts), m.edited ? tsMicros(m.edited.ts) : 0),
      stored.lastTsMicros,
    );
  }

  /** A new Slack-style id such as `C0000000A1` (prefix C channel, D DM, V view). */
  nextId(prefix: string): string {
    this.idCounter += 1;
    this.journal?.counters(this.idCounter, this.lastTsMicros);
    return `${prefix}0${this.idCounter.toString(36).toUpperCase().padStart(8, '0')}`;
  }

  /** A message ts (`seconds.micros`), strictly increasing even within one microsecond. */
  nextTs(): string {
    const micros = Math.max(this.now() * 1000, this.lastTsMicros + 1);
    this.lastTsMicros = micros;
    this.journal?.counters(this.idCounter, this.lastTsMicros);
    const seconds = Math.floor(micros / 1_000_000);
    return `${seconds}.${String(micros % 1_000_000).padStart(6, '0')}`;
  }

  /** Finds a channel by id, or by name (with or without `#`) as chat.postMessage allows. */
  findChannel(idOrName: string): WorkspaceChannel | undefined {
    const byId = this.channels.get(idOrName);
    if (byId) return byId;
    const name = idOrName.replace(/^#/, '');
    for (const c of this.channels.values()) if (!c.isIm && c.name === name) return c;
    return undefined;
  }

  /** The DM channel between the bot and a user, created on first use (posting to a user id lands here). */
  openIm(userId: string): WorkspaceChannel {
    for (const c of this.channels.values()) if (c.isIm && c.members[0] === userId) return c;
    const channel: WorkspaceChannel = {
      id: this.nextId('D'),
      name: userId,
      members: [userId, this.botUserId],
      topic: { value: '', creator: '', lastSet: 0 },
      isPrivate: true,
      isIm: true,
      created: Math.floor(this.now() / 1000),
      creator: this.botUserId,
    };
    this.putChannel(channel);
    return channel;
  }

  createChannel(name: string, isPrivate: boolean, creator: string): WorkspaceChannel {
    const channel: WorkspaceChannel = {
      id: this.nextId('C'),
      name,
      members: [creator],
      topic: { value: '', creator: '', lastSet: 0 },
      isPrivate,
      isIm: false,
      created: Math.floor(this.now() / 1000),
      creator,
    };
    this.putChannel(channel);
    this.events.emit('channel_created', channel);
    return channel;
  }

  addMember(channel: WorkspaceChannel, userId: string): void {
    if (channel.members.includes(userId)) return;
    channel.members.push(userId);
    this.journal?.put('channels', channel.id, channel);
    this.events.emit('member_joined_channel', { channel: channel.id, user: userId });
  }

  setTopic(channel: WorkspaceChannel, topic: string, by: string): void {
    channel.topic = { value: topic, creator: by, lastSet: Math.floor(this.now() / 1000) };
    this.journal?.put('channels', channel.id, channel);
    this.events.emit('channel_topic', { channel: channel.id, topic, user: by });
  }

  getMessage(channelId: string, ts: string): WorkspaceMessage | undefined {
    return this.messages.get(channelId)?.find((m) => m.ts === ts);
  }

  /** Messages a user sees in a channel: everything except other users' ephemeral messages. */
  visibleMessages(channelId: string, userId?: string): WorkspaceMessage[] {
    return (this.messages.get(channelId) ?? []).filter((m) => !m.ephemeralFor || m.ephemeralFor === userId);
  }

  /** Replies in a thread (not the parent), in order. */
  replies(channelId: string, threadTs: string): WorkspaceMessage[] {
    return (this.messages.get(channelId) ?? []).filter((m) => m.threadTs === threadTs && m.ts !== threadTs);
  }

  /** Stores a new message with a fresh ts and keeps its thread parent's reply counters in step. */
  addMessage(input: Omit<WorkspaceMessage, 'ts'>): WorkspaceMessage {
    const message: WorkspaceMessage = { ...input, ts: this.nextTs() };
    const list = this.messages.get(message.channel) ?? [];
    list.push(message);
    this.messages.set(message.channel, list);
    if (message.threadTs && !message.ephemeralFor) {
      const parent = list.find((m) => m.ts === message.threadTs);
      if (parent) {
        parent.replyCount = (parent.replyCount ?? 0) + 1;
        parent.latestReply = message.ts;
        parent.replyUsers = [...new Set([...(parent.replyUsers ?? []), message.user])];
        this.journal?.message(parent);
      }
    }
    this.journal?.message(message);
    this.events.emit('message', message);
    return message;
  }

  /** Replaces content fields of a message and marks it edited. */
  updateMessage(
    message: WorkspaceMessage,
    patch: Partial<Pick<WorkspaceMessage, 'text' | 'blocks' | 'attachments' | 'metadata'>>,
    by: string,
  ): WorkspaceMessage {
    const previous = { ...message };
    Object.assign(message, patch, { edited: { user: by, ts: this.nextTs() } });
    this.journal?.message(message);
    this.events.emit('message_changed', { message, previous });
    return message;
  }

  deleteMessage(message: WorkspaceMessage): void {
    const list = this.messages.get(message.channel) ?? [];
    const index = list.indexOf(message);
    if (index >= 0) list.splice(index, 1);
    this.journal?.message(message, true);
    if (this.pins.get(message.channel)?.delete(message.ts)) this.journalPins(message.channel);
    this.events.emit('message_deleted', message);
  }

  /** Returns false when already pinned. */
  addPin(message: WorkspaceMessage, by: string): boolean {
    const pinned = this.pins.get(message.channel) ?? new Set<string>();
    if (pinned.has(message.ts)) return false;
    pinned.add(message.ts);
    this.pins.set(message.channel, pinned);
    this.journalPins(message.channel);
    this.events.emit('pin_added', { channel: message.channel, ts: message.ts, user: by });
    return true;
  }

  /** Returns false when this user already reacted with this name. */
  addReaction(message: WorkspaceMessage, name: string, by: string): boolean {
    message.reactions ??= [];
    let reaction = message.reactions.find((r) => r.name === name);
    if (!reaction) {
      reaction = { name, users: [], count: 0 };
      message.reactions.push(reaction);
    }
    if (reaction.users.includes(by)) return false;
    reaction.users.push(by);
    reaction.count += 1;
    this.journal?.message(message);
    this.events.emit('reaction_added', { channel: message.channel, ts: message.ts, name, user: by });
    return true;
  }

  /** Reserves a file for the upload flow; its bytes arrive later at the upload URL. */
  reserveFile(input: {
    name: string;
    length: number;
    uploadToken: string;
    user: string;
    urls: (id: string) => { urlPrivate: string; urlPrivateDownload: string };
  }): WorkspaceFile {
    const { urls, ...rest } = input;
    const id = this.nextId('F');
    const file: WorkspaceFile = {
      ...rest,
      ...urls(id),
      id,
      title: input.name,
      created: Math.floor(this.now() / 1000),
      completed: false,
      shares: [],
    };
    this.files.set(file.id, file);
    this.journal?.put('files', file.id, file);
    return file;
  }

  /** Keeps the bytes POSTed to a reserved file's upload URL (a copy: the request's buffer is not ours). */
  receiveUpload(file: WorkspaceFile, bytes: Buffer): void {
    file.content = Buffer.from(bytes);
    this.journal?.put('files', file.id, file);
  }

  /**
   * Completes uploaded files and, with a channel, shares them there in one new message (`initial_comment` as its
   * text), as files.completeUploadExternal does. Returns the sharing message, if any.
   */
  completeFiles(
    files: Array<{ file: WorkspaceFile; title?: string }>,
    share?: { channel: string; text: string; threadTs?: string; by: string; botId?: string; blocks?: unknown[] },
  ): WorkspaceMessage | undefined {
    for (const { file, title } of files) {
      file.completed = true;
      if (title) file.title = title;
      this.journal?.put('files', file.id, file);
    }
    if (!share) return undefined;
    const message = this.addMessage({
      channel: share.channel,
      user: share.by,
      botId: share.botId,
      text: share.text,
      blocks: share.blocks,
      threadTs: share.threadTs,
      files: files.map(({ file }) => file.id),
    });
    for (const { file } of files) {
      file.shares.push({ channel: share.channel, ts: message.ts });
      this.journal?.put('files', file.id, file);
    }
    return message;
  }

  /** Points every file's private URLs at `baseUrl`, keeping their paths. */
  rebaseFileUrls(baseUrl: string): void {
    for (const file of this.files.values()) {
      const urlPrivate = baseUrl + new URL(file.urlPrivate).pathname;
      if (urlPrivate === file.urlPrivate) continue;
      file.urlPrivate = urlPrivate;
      file.urlPrivateDownload = baseUrl + new URL(file.urlPrivateDownload).pathname;
      this.journal?.put('files', file.id, file);
    }
  }

  /** Stores a view (new or replaced) and emits `event` with it. */
  putView(view: WorkspaceView, event: string): WorkspaceView {
    this.views.set(view.id, view);
    this.journal?.put('views', view.id, view);
    this.events.emit(event, view);
    return view;
  }

  /** Replaces the user's modal stack with one root view (views.open). */
  openModal(view: WorkspaceView): void {
    for (const id of this.modalStacks.get(view.userId) ?? []) this.dropView(id);
    this.modalStacks.set(view.userId, [view.id]);
    this.journal?.put('modals', view.userId, [view.id]);
    this.putView(view, 'view_opened');
  }

  pushModal(view: WorkspaceView): void {
    const stack = this.modalStacks.get(view.userId) ?? [];
    stack.push(view.id);
    this.modalStacks.set(view.userId, stack);
    this.journal?.put('modals', view.userId, stack);
    this.putView(view, 'view_pushed');
  }

  /** The open modal stack of a user, root first. */
  modalStack(userId: string): WorkspaceView[] {
    return (this.modalStacks.get(userId) ?? []).flatMap((id) => this.views.get(id) ?? []);
  }

  /** True when the view is open: in a modal stack or a published Home tab. */
  isOpen(view: WorkspaceView): boolean {
    if (view.type === 'home') return this.homeViews.get(view.userId) === view.id;
    return (this.modalStacks.get(view.userId) ?? []).includes(view.id);
  }

  /** Closes one modal and the ones stacked above it (an empty view_submission ack closes the submitted view). */
  closeModal(view: WorkspaceView): void {
    const stack = this.modalStacks.get(view.userId) ?? [];
    const index = stack.indexOf(view.id);
    if (index < 0) return;
    for (const id of stack.splice(index)) {
      const closed = this.views.get(id);
      this.dropView(id);
      this.events.emit('view_closed', closed);
    }
    this.journal?.put('modals', view.userId, stack);
  }

  /** Closes the whole stack (`response_action: "clear"`). */
  clearModals(userId: string): void {
    const root = this.modalStack(userId)[0];
    if (root) this.closeModal(root);
  }

  publishHome(view: WorkspaceView): void {
    const previous = this.homeViews.get(view.userId);
    if (previous && previous !== view.id) this.dropView(previous);
    this.homeViews.set(view.userId, view.id);
    this.journal?.put('homes', view.userId, view.id);
    this.putView(view, 'home_published');
  }

  private putChannel(channel: WorkspaceChannel): void {
    this.channels.set(channel.id, channel);
    this.messages.set(channel.id, []);
    this.journal?.put('channels', channel.id, channel);
  }

  private dropView(id: string): void {
    this.views.delete(id);
    this.journal?.put('views', id, undefined);
  }

  private journalPins(channel: string): void {
    this.journal?.put('pins', channel, [...(this.pins.get(channel) ?? [])]);
  }

  private putUser(user: WorkspaceUser): void {
    this.users.set(user.id, user);
    this.journal?.put('users', user.id, user);
  }
}
