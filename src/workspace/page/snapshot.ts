import type { WorkspaceApp } from '../app-manifest.js';
import { type RequestLog, type RequestSummary, summaryOf } from '../delivery/request-log.js';
import type { WorkspaceChannel, WorkspaceMessage, WorkspaceState, WorkspaceView } from '../state.js';
import { fileType, usergroupHandle } from '../web-api/shapes.js';

/**
 * What the browser page sees of the workspace, for one user at a time: the channels they can open, the messages
 * they can read (other users' ephemeral messages never leave the server) and their own views. Pure functions of the
 * state, so the snapshot and the live stream cannot disagree about visibility.
 */

/** A message as the page gets it: ephemeral-ness as a flag, never whom else it was for. */
export type UiMessage = Pick<
  WorkspaceMessage,
  | 'channel'
  | 'ts'
  | 'user'
  | 'botId'
  | 'text'
  | 'blocks'
  | 'attachments'
  | 'threadTs'
  | 'replyCount'
  | 'edited'
  | 'reactions'
> & {
  ephemeral: boolean;
  pinned: boolean;
  /** Shared files, each with where the page downloads it for this user. */
  files?: UiFile[];
};

export interface UiFile {
  id: string;
  name: string;
  title: string;
  mimetype: string;
  size: number;
  url: string;
}

/** Where the page fetches a file's content, as the user watching (the route checks they can see it). */
export const PAGE_FILES_PATH = '/workspace/files/';

export interface UiChannel {
  id: string;
  name: string;
  isPrivate: boolean;
  isIm: boolean;
  topic: string;
  members: string[];
}

export interface UiView {
  id: string;
  type: 'modal' | 'home';
  /** The view as Slack shapes it: title, submit, close, blocks, state, callback_id, … */
  view: Record<string, unknown>;
  errors?: Record<string, string>;
}

export interface UiSnapshot {
  team: { id: string };
  self: string;
  botUserId: string;
  users: Array<{ id: string; name: string; realName: string; isBot: boolean; isAdmin: boolean }>;
  /** User groups' handles by id, for `<!subteam^…>` mentions. */
  groups: Record<string, string>;
  channels: UiChannel[];
  /** Per channel, in posting order; thread replies carry `threadTs` and are grouped by the page. */
  messages: Record<string, UiMessage[]>;
  /** The user's open modals, root first. */
  modals: UiView[];
  home: UiView | null;
  /** The most recent requests sent to the bot (the export has all of them). */
  requests: RequestSummary[];
  /** The app's message shortcuts (its manifest's), offered in each message's menu. */
  messageShortcuts: Array<{ name: string; callbackId: string; description: string }>;
}

/** The page needs only the latest requests; the export keeps every one. */
export const SNAPSHOT_REQUESTS = 200;

export function canSeeChannel(channel: WorkspaceChannel, userId: string): boolean {
  return channel.members.includes(userId) || (!channel.isPrivate && !channel.isIm);
}

export function canSeeMessage(state: WorkspaceState, message: WorkspaceMessage, userId: string): boolean {
  const channel = state.channels.get(message.channel);
  if (!channel || !canSeeChannel(channel, userId)) return false;
  return !message.ephemeralFor || message.ephemeralFor === userId;
}

export function uiMessage(state: WorkspaceState, m: WorkspaceMessage, userId: string): UiMessage {
  const files = m.files?.flatMap((id) => {
    const f = state.files.get(id);
    if (!f) return [];
    const url = `${PAGE_FILES_PATH}${f.id}/${encodeURIComponent(f.name)}?user=${encodeURIComponent(userId)}`;
    const { mimetype } = fileType(f.name);
    return [{ id: f.id, name: f.name, title: f.title, mimetype, size: f.content?.length ?? f.length, url }];
  });
  return {
    channel: m.channel,
    ts: m.ts,
    user: m.user,
    botId: m.botId,
    text: m.text,
    blocks: m.blocks,
    attachments: m.attachments,
    threadTs: m.threadTs,
    replyCount: m.replyCount,
    edited: m.edited,
    ephemeral: m.ephemeralFor !== undefined,
    pinned: state.pins.get(m.channel)?.has(m.ts) ?? false,
    reactions: m.reactions,
    ...(files ? { files } : {}),
  };
}

export function uiChannel(c: WorkspaceChannel): UiChannel {
  return {
    id: c.id,
    name: c.name,
    isPrivate: c.isPrivate,
    isIm: c.isIm,
    topic: c.topic.value,
    members: [...c.members],
  };
}

export function uiView(v: WorkspaceView): UiView {
  return { id: v.id, type: v.type, view: v.view, ...(v.errors ? { errors: v.errors } : {}) };
}

export function modalsOf(state: WorkspaceState, userId: string): UiView[] {
  return state.modalStack(userId).map(uiView);
}

export function homeOf(state: WorkspaceState, userId: string): UiView | null {
  const id = state.homeViews.get(userId);
  const view = id ? state.views.get(id) : undefined;
  return view ? uiView(view) : null;
}

export function snapshotFor(
  state: WorkspaceState,
  log: RequestLog,
  userId: string,
  app: WorkspaceApp | undefined,
): UiSnapshot {
  const channels = [...state.channels.values()].filter((c) => canSeeChannel(c, userId));
  return {
    team: { id: state.teamId },
    self: userId,
    botUserId: state.botUserId,
    users: [...state.users.values()].map(({ id, name, realName, isBot, isAdmin }) => ({
      id,
      name,
      realName,
      isBot,
      isAdmin,
    })),
    groups: Object.fromEntries([...state.usergroups.keys()].map((id) => [id, usergroupHandle(id)])),
    channels: channels.map(uiChannel),
    messages: Object.fromEntries(
      channels.map((c) => [c.id, state.visibleMessages(c.id, userId).map((m) => uiMessage(state, m, userId))] as const),
    ),
    modals: modalsOf(state, userId),
    home: homeOf(state, userId),
    requests: log.entries.slice(-SNAPSHOT_REQUESTS).map(summaryOf),
    messageShortcuts: (app?.shortcuts ?? [])
      .filter((sc) => sc.type === 'message')
      .map(({ name, callbackId, description }) => ({ name, callbackId, description })),
  };
}

type Json = Record<string, unknown>;

/**
 * The stream event a state change becomes for one user, or null when it is none of their business. Names follow
 * the server's events; view events carry the whole modal stack so the page never has to guess its order.
 */
export function streamEventFor(
  state: WorkspaceState,
  userId: string,
  name: string,
  data: unknown,
): { event: string; data: unknown } | null {
  const d = (data ?? {}) as Json;
  switch (name) {
    case 'message':
    case 'message_deleted': {
      const message = data as WorkspaceMessage;
      return canSeeMessage(state, message, userId) ? { event: name, data: uiMessage(state, message, userId) } : null;
    }
    case 'message_changed': {
      const message = d.message as WorkspaceMessage;
      return canSeeMessage(state, message, userId) ? { event: name, data: uiMessage(state, message, userId) } : null;
    }
    case 'reaction_added':
    case 'pin_added': {
      const message = state.getMessage(String(d.channel), String(d.ts));
      return message && canSeeMessage(state, message, userId)
        ? { event: name, data: uiMessage(state, message, userId) }
        : null;
    }
    case 'channel_created':
    case 'member_joined_channel':
    case 'channel_topic': {
      const channel = state.channels.get(name === 'channel_created' ? String(d.id) : String(d.channel));
      return channel && canSeeChannel(channel, userId) ? { event: name, data: uiChannel(channel) } : null;
    }
    case 'view_opened':
    case 'view_pushed':
    case 'view_updated':
    case 'view_closed':
    case 'view_errors':
    case 'home_published': {
      const view = data as WorkspaceView | undefined;
      if (!view || view.userId !== userId) return null;
      return {
        event: name,
        data: { view: uiView(view), modals: modalsOf(state, userId), home: homeOf(state, userId) },
      };
    }
    case 'request':
      return { event: name, data };
    default:
      return null;
  }
}

/** The server events the stream listens to. */
export const STREAMED_EVENTS = [
  'message',
  'message_changed',
  'message_deleted',
  'reaction_added',
  'pin_added',
  'channel_created',
  'member_joined_channel',
  'channel_topic',
  'view_opened',
  'view_pushed',
  'view_updated',
  'view_closed',
  'view_errors',
  'home_published',
  'request',
] as const;
