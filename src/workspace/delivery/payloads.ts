import type { WorkspaceMessage, WorkspaceState } from '../state.js';
import { slackMessage } from '../web-api/shapes.js';

/**
 * Request bodies Slack sends to an app, built on the shapes of the upstream fixtures in
 * test/fixtures/slack/ (slash-command.form-urlencoded.txt, block-actions*.json, view-submission.json,
 * reaction-added.json). Pure: ids and times come in as arguments.
 */

export interface PayloadContext {
  state: WorkspaceState;
  teamDomain: string;
  /** The deprecated verification token Slack still puts in payloads; apps must not trust it. */
  verificationToken: string;
}

type Json = Record<string, unknown>;

function userName(ctx: PayloadContext, userId: string): string {
  return ctx.state.users.get(userId)?.name ?? userId;
}

function userObject(ctx: PayloadContext, userId: string): Json {
  const name = userName(ctx, userId);
  return { id: userId, username: name, name, team_id: ctx.state.teamId };
}

/** Slack's special mentions, escaped as `<!here>` and so on. */
const SPECIAL_MENTIONS = new Set(['here', 'channel', 'everyone']);

/**
 * A slash command's text as Slack sends it for a command with `should_escape: true`: `@name` of a known user becomes
 * `<@U…|name>`, `#name` of a known channel `<#C…|name>`, `@here`/`@channel`/`@everyone` `<!here>`…; anything else
 * stays as typed. (With `should_escape: false` Slack sends the text exactly as typed.)
 */
export function escapeCommandText(state: WorkspaceState, text: string): string {
  return text.replace(/(^|[\s(,;])([@#])([a-z0-9][a-z0-9._-]*[a-z0-9_-]|[a-z0-9])/gi, (whole, lead, sigil, name) => {
    const lower = String(name).toLowerCase();
    if (sigil === '@') {
      if (SPECIAL_MENTIONS.has(lower)) return `${lead}<!${lower}>`;
      const user = [...state.users.values()].find((u) => u.name.toLowerCase() === lower);
      return user ? `${lead}<@${user.id}|${user.name}>` : whole;
    }
    const channel = [...state.channels.values()].find((c) => !c.isIm && c.name === lower);
    return channel ? `${lead}<#${channel.id}|${channel.name}>` : whole;
  });
}

/** Slash command form body, fields in the order of Slack's own example. */
export function commandBody(
  ctx: PayloadContext,
  input: { userId: string; channelId: string; command: string; text: string; responseUrl: string; triggerId: string },
): string {
  return new URLSearchParams({
    token: ctx.verificationToken,
    team_id: ctx.state.teamId,
    team_domain: ctx.teamDomain,
    channel_id: input.channelId,
    channel_name: channelName(ctx, input.channelId),
    user_id: input.userId,
    user_name: userName(ctx, input.userId),
    command: input.command,
    text: input.text,
    api_app_id: ctx.state.appId,
    is_enterprise_install: 'false',
    response_url: input.responseUrl,
    trigger_id: input.triggerId,
  }).toString();
}

/** Interactivity bodies are a form with a single `payload` field holding the JSON. */
export function interactionBody(payload: Json): string {
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

export function blockActionsPayload(
  ctx: PayloadContext,
  input: {
    userId: string;
    message: WorkspaceMessage;
    action: Json;
    triggerId: string;
    responseUrl: string;
  },
): Json {
  const { message } = input;
  const ephemeral = message.ephemeralFor !== undefined;
  return {
    type: 'block_actions',
    user: userObject(ctx, input.userId),
    api_app_id: ctx.state.appId,
    token: ctx.verificationToken,
    container: { type: 'message', message_ts: message.ts, channel_id: message.channel, is_ephemeral: ephemeral },
    trigger_id: input.triggerId,
    team: { id: ctx.state.teamId, domain: ctx.teamDomain },
    enterprise: null,
    is_enterprise_install: false,
    channel: { id: message.channel, name: channelName(ctx, message.channel) },
    // Slack omits the message body for ephemeral messages (see block-actions.json vs block-actions-with-message.json).
    ...(ephemeral ? {} : { message: slackMessage(ctx.state, message) }),
    state: { values: {} },
    response_url: input.responseUrl,
    actions: [input.action],
  };
}

export function viewSubmissionPayload(
  ctx: PayloadContext,
  input: { userId: string; view: Json; triggerId: string },
): Json {
  return {
    type: 'view_submission',
    team: { id: ctx.state.teamId, domain: ctx.teamDomain },
    user: userObject(ctx, input.userId),
    api_app_id: ctx.state.appId,
    token: ctx.verificationToken,
    trigger_id: input.triggerId,
    view: input.view,
    response_urls: [],
    is_enterprise_install: false,
    enterprise: null,
  };
}

/** A message shortcut (`message_action`), shaped as message-action.json: the message it was used on, in full. */
export function messageActionPayload(
  ctx: PayloadContext,
  input: {
    userId: string;
    message: WorkspaceMessage;
    callbackId: string;
    triggerId: string;
    responseUrl: string;
    actionTs: string;
  },
): Json {
  const { message } = input;
  return {
    type: 'message_action',
    token: ctx.verificationToken,
    action_ts: input.actionTs,
    team: { id: ctx.state.teamId, domain: ctx.teamDomain },
    user: userObject(ctx, input.userId),
    channel: { id: message.channel, name: channelName(ctx, message.channel) },
    is_enterprise_install: false,
    enterprise: null,
    callback_id: input.callbackId,
    trigger_id: input.triggerId,
    message_ts: message.ts,
    message: slackMessage(ctx.state, message),
    response_url: input.responseUrl,
  };
}

function channelName(ctx: PayloadContext, channelId: string): string {
  const channel = ctx.state.channels.get(channelId);
  return channel?.isIm ? 'directmessage' : (channel?.name ?? channelId);
}

/** `reaction_added`, as reaction-added.json's inner event. */
export function reactionAddedEvent(
  message: WorkspaceMessage,
  input: { user: string; reaction: string; eventTs: string },
): Json {
  return {
    type: 'reaction_added',
    user: input.user,
    item: { type: 'message', channel: message.channel, ts: message.ts },
    reaction: input.reaction,
    item_user: message.user,
    event_ts: input.eventTs,
  };
}

/** `pin_added`, with the fields of shapes/PinAddedPayload.json (no realistic upstream body exists). */
export function pinAddedEvent(
  ctx: PayloadContext,
  message: WorkspaceMessage,
  input: { user: string; pinCount: number; eventTs: string },
): Json {
  const pinnedAt = Math.floor(Number(input.eventTs));
  return {
    type: 'pin_added',
    user: input.user,
    channel_id: message.channel,
    item: {
      type: 'message',
      created: pinnedAt,
      created_by: input.user,
      channel: message.channel,
      message: { ...slackMessage(ctx.state, message), pinned_to: [message.channel] },
    },
    item_user: message.user,
    pin_count: input.pinCount,
    pinned_info: { channel: message.channel, pinned_by: input.user, pinned_ts: pinnedAt },
    event_ts: input.eventTs,
  };
}

/** `member_joined_channel`: `channel_type` C for public channels, G for private ones. */
export function memberJoinedEvent(
  ctx: PayloadContext,
  input: { user: string; channel: string; isPrivate: boolean; eventTs: string },
): Json {
  return {
    type: 'member_joined_channel',
    user: input.user,
    channel: input.channel,
    channel_type: input.isPrivate ? 'G' : 'C',
    team: ctx.state.teamId,
    event_ts: input.eventTs,
  };
}

/** An Events API `event_callback` envelope around one inner event. */
export function eventEnvelope(
  ctx: PayloadContext,
  input: { event: Json; eventId: string; eventTime: number; eventTs: string },
): Json {
  return {
    token: ctx.verificationToken,
    team_id: ctx.state.teamId,
    api_app_id: ctx.state.appId,
    event: { ...input.event, event_ts: input.event.event_ts ?? input.eventTs },
    type: 'event_callback',
    event_id: input.eventId,
    event_time: input.eventTime,
    authorizations: [
      {
        enterprise_id: null,
        team_id: ctx.state.teamId,
        user_id: ctx.state.botUserId,
        is_bot: true,
        is_enterprise_install: false,
      },
    ],
    is_ext_shared_channel: false,
    event_context: `4-${Buffer.from(input.eventId).toString('base64url')}`,
  };
}

/** Finds the element with `actionId` in a message's blocks (accessories, actions and input elements). */
export function findElement(
  blocks: unknown[] | undefined,
  actionId: string,
): { blockId: string; element: Json } | undefined {
  for (const block of (blocks ?? []) as Json[]) {
    const candidates = [block.accessory, block.element, ...(Array.isArray(block.elements) ? block.elements : [])];
    for (const el of candidates as Array<Json | undefined>) {
      if (el && el.action_id === actionId) return { blockId: String(block.block_id ?? ''), element: el };
    }
  }
  return undefined;
}
