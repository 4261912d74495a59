import type { WorkspaceChannel, WorkspaceFile, WorkspaceMessage, WorkspaceState, WorkspaceUser } from '../state.js';

/** Slack's JSON shapes of state objects, as the Web API and interaction payloads carry them. */

type Json = Record<string, unknown>;

/** Drops undefined fields so JSON answers look like Slack's (absent, not null). */
function compact(obj: Json): Json {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined));
}

/** A message as in chat.postMessage's answer and block_actions' `message` (bot messages carry bot_id/app_id). */
export function slackMessage(state: WorkspaceState, m: WorkspaceMessage): Json {
  const isBot = m.botId !== undefined;
  return compact({
    type: 'message',
    text: m.text,
    user: m.user,
    bot_id: m.botId,
    app_id: isBot ? state.appId : undefined,
    ts: m.ts,
    team: state.teamId,
    blocks: m.blocks,
    attachments: m.attachments,
    metadata: m.metadata,
    thread_ts: m.threadTs,
    reply_count: m.replyCount,
    reply_users: m.replyUsers,
    latest_reply: m.latestReply,
    edited: m.edited,
    reactions: m.reactions,
    files: m.files?.flatMap((id) => {
      const file = state.files.get(id);
      return file ? [slackFile(state, file)] : [];
    }),
    // Slack marks messages that carry an upload.
    upload: m.files ? true : undefined,
    bot_profile: isBot ? { id: m.botId, app_id: state.appId, name: botName(state), team_id: state.teamId } : undefined,
  });
}

function botName(state: WorkspaceState): string {
  return state.users.get(state.botUserId)?.name ?? 'opsdeck';
}

/** A conversation object as conversations.info / create / join return it, seen by the bot. */
export function slackChannel(state: WorkspaceState, c: WorkspaceChannel): Json {
  if (c.isIm) {
    return { id: c.id, created: c.created, is_im: true, is_org_shared: false, user: c.members[0], is_open: true };
  }
  return {
    id: c.id,
    name: c.name,
    is_channel: true,
    is_group: false,
    is_im: false,
    is_mpim: false,
    is_private: c.isPrivate,
    created: c.created,
    is_archived: false,
    is_general: false,
    unlinked: 0,
    name_normalized: c.name,
    is_shared: false,
    is_org_shared: false,
    is_pending_ext_shared: false,
    context_team_id: state.teamId,
    creator: c.creator,
    is_ext_shared: false,
    is_member: c.members.includes(state.botUserId),
    num_members: c.members.length,
    topic: { value: c.topic.value, creator: c.topic.creator, last_set: c.topic.lastSet },
    purpose: { value: '', creator: '', last_set: 0 },
  };
}

/** A user object as users.info returns it. */
export function slackUser(state: WorkspaceState, u: WorkspaceUser): Json {
  return {
    id: u.id,
    team_id: state.teamId,
    name: u.name,
    deleted: false,
    real_name: u.realName,
    tz: 'Etc/UTC',
    tz_label: 'Coordinated Universal Time',
    tz_offset: 0,
    profile: { real_name: u.realName, display_name: u.name, team: state.teamId },
    is_admin: u.isAdmin,
    is_owner: false,
    is_bot: u.isBot,
    is_app_user: false,
    bot_id: u.isBot ? state.botId : undefined,
  };
}

/** Known extensions → [mimetype, Slack filetype]; anything else is binary. */
const FILE_TYPES: Record<string, [string, string]> = {
  txt: ['text/plain', 'text'],
  log: ['text/plain', 'text'],
  md: ['text/plain', 'markdown'],
  csv: ['text/csv', 'csv'],
  json: ['application/json', 'json'],
  yml: ['text/plain', 'yaml'],
  yaml: ['text/plain', 'yaml'],
  html: ['text/html', 'html'],
  pdf: ['application/pdf', 'pdf'],
  png: ['image/png', 'png'],
  jpg: ['image/jpeg', 'jpg'],
  jpeg: ['image/jpeg', 'jpg'],
  gif: ['image/gif', 'gif'],
};

/** The mimetype and Slack `filetype` of a file name, from its extension. */
export function fileType(name: string): { mimetype: string; filetype: string } {
  const ext = /\.([A-Za-z0-9]+)$/.exec(name)?.[1]?.toLowerCase() ?? '';
  const [mimetype, filetype] = FILE_TYPES[ext] ?? ['application/octet-stream', 'binary'];
  return { mimetype, filetype };
}

/** A file object as files.completeUploadExternal shares it in a message's `files` (and files.info returns it). */
export function slackFile(state: WorkspaceState, f: WorkspaceFile): Json {
  const { mimetype, filetype } = fileType(f.name);
  const channel = (id: string) => state.channels.get(id);
  const shared = (isPrivate: boolean) =>
    f.shares.filter((s) => !!channel(s.channel)?.isPrivate === isPrivate).map((s) => s.channel);
  return {
    id: f.id,
    created: f.created,
    timestamp: f.created,
    name: f.name,
    title: f.title,
    mimetype,
    filetype,
    pretty_type: filetype === 'binary' ? 'Binary' : filetype.toUpperCase(),
    user: f.user,
    user_team: state.teamId,
    editable: false,
    size: f.content?.length ?? f.length,
    mode: 'hosted',
    is_external: false,
    external_type: '',
    is_public: f.shares.some((s) => !channel(s.channel)?.isPrivate),
    public_url_shared: false,
    display_as_bot: false,
    username: '',
    url_private: f.urlPrivate,
    url_private_download: f.urlPrivateDownload,
    permalink: f.urlPrivate,
    channels: shared(false),
    groups: shared(true).filter((id) => !channel(id)?.isIm),
    ims: f.shares.filter((s) => channel(s.channel)?.isIm).map((s) => s.channel),
    comments_count: 0,
  };
}

/**
 * A user group's handle. The workspace is seeded with group ids only (ops.yml names no handles), so the handle is the
 * id's readable part: `S0LEADS` → `leads`, as a team would have called it.
 */
export function usergroupHandle(id: string): string {
  return id.replace(/^S0?/, '').toLowerCase() || id.toLowerCase();
}
