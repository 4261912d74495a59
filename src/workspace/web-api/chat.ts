import type { WorkspaceChannel, WorkspaceMessage } from '../state.js';
import { checkBlocks, checkMessageText } from './block-rules.js';
import {
  type ApiContext,
  type ApiResult,
  apiError,
  type MethodHandler,
  violationError,
  visibleChannel,
} from './common.js';
import { type Params, str } from './form.js';
import { slackMessage } from './shapes.js';

/** Message content after Slack's checks; `blocks`/`attachments` are undefined when the caller did not send them. */
export interface MessageContent {
  text?: string;
  blocks?: unknown[];
  attachments?: unknown[];
}

/**
 * Validates message content: block rules, 40,000-char text and "some content present" (`no_text`), unless
 * `allowEmpty` (chat.update may change only one of text or blocks). Also used by response_url.
 */
export function messageContent(params: Params, allowEmpty = false): MessageContent | ApiResult {
  const text = typeof params.text === 'string' ? params.text : undefined;
  const tooLong = checkMessageText(text);
  if (tooLong) return apiError(tooLong.error);
  let blocks: unknown[] | undefined;
  if (params.blocks !== undefined && params.blocks !== '') {
    const violation = checkBlocks(params.blocks, 'message');
    if (violation) return violationError(violation);
    blocks = params.blocks as unknown[];
  }
  let attachments: unknown[] | undefined;
  if (params.attachments !== undefined && params.attachments !== '') {
    if (!Array.isArray(params.attachments)) return apiError('invalid_attachments');
    attachments = params.attachments;
  }
  const empty = !text && !blocks?.length && !attachments?.length;
  if (empty && !allowEmpty) return apiError('no_text');
  return { text, blocks, attachments };
}

export function isApiResult(value: MessageContent | ApiResult): value is ApiResult {
  return 'ok' in value;
}

/** Where chat.postMessage lands: a channel by id or name, or a user id (the bot's DM with that user). */
function postTarget(ctx: ApiContext, channel: unknown): WorkspaceChannel | undefined {
  if (typeof channel === 'string' && ctx.state.users.has(channel) && channel !== ctx.state.botUserId) {
    return ctx.state.openIm(channel);
  }
  return visibleChannel(ctx.state, channel);
}

function botMessage(ctx: ApiContext, channel: string, content: MessageContent): Omit<WorkspaceMessage, 'ts'> {
  return {
    channel,
    user: ctx.state.botUserId,
    botId: ctx.state.botId,
    text: content.text ?? '',
    blocks: content.blocks?.length ? content.blocks : undefined,
    attachments: content.attachments?.length ? content.attachments : undefined,
  };
}

/** Slack's largest event_type: a short name, letters, digits and `_`. */
const EVENT_TYPE = /^[A-Za-z0-9_]{1,255}$/;

/**
 * Message metadata as chat.postMessage takes it: `{event_type, event_payload}` (JSON-encoded in a form). Undecodable
 * or not an object is `invalid_metadata_format`; a missing or wrong field is `invalid_metadata_schema`.
 */
function messageMetadata(value: unknown): { metadata?: { event_type: string; event_payload: object } } | ApiResult {
  if (value === undefined || value === '') return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return apiError('invalid_metadata_format');
  const { event_type, event_payload } = value as Record<string, unknown>;
  const payloadOk = typeof event_payload === 'object' && event_payload !== null && !Array.isArray(event_payload);
  if (typeof event_type !== 'string' || !EVENT_TYPE.test(event_type) || !payloadOk) {
    return apiError('invalid_metadata_schema');
  }
  return { metadata: { event_type, event_payload } };
}

const postMessage: MethodHandler = (params, ctx) => {
  const channel = postTarget(ctx, params.channel);
  if (!channel) return apiError('channel_not_found');
  const content = messageContent(params);
  if (isApiResult(content)) return content;
  const metadata = messageMetadata(params.metadata);
  if ('ok' in metadata) return metadata;
  const message = ctx.state.addMessage({
    ...botMessage(ctx, channel.id, content),
    threadTs: str(params.thread_ts),
    ...metadata,
  });
  return { ok: true, channel: channel.id, ts: message.ts, message: slackMessage(ctx.state, message) };
};

const postEphemeral: MethodHandler = (params, ctx) => {
  const channel = visibleChannel(ctx.state, params.channel);
  if (!channel) return apiError('channel_not_found');
  const user = str(params.user);
  if (!user || !ctx.state.users.has(user)) return apiError('user_not_found');
  // Slack's documented code for "the recipient is not in this channel".
  if (!channel.members.includes(user)) return apiError('user_not_in_channel');
  const content = messageContent(params);
  if (isApiResult(content)) return content;
  const message = ctx.state.addMessage({
    ...botMessage(ctx, channel.id, content),
    threadTs: str(params.thread_ts),
    ephemeralFor: user,
  });
  return { ok: true, message_ts: message.ts };
};

const update: MethodHandler = (params, ctx) => {
  const channel = visibleChannel(ctx.state, params.channel);
  if (!channel) return apiError('channel_not_found');
  const message = ctx.state.getMessage(channel.id, str(params.ts) ?? '');
  if (!message) return apiError('message_not_found');
  // Ephemeral messages can only be replaced through their response_url; others' messages never.
  if (message.ephemeralFor || message.botId !== ctx.state.botId) return apiError('cant_update_message');
  const content = messageContent(params, true);
  if (isApiResult(content)) return content;
  if (content.text === undefined && content.blocks === undefined && content.attachments === undefined) {
    return apiError('no_text');
  }
  // Slack keeps previous blocks when `blocks` is omitted and removes them when it is an empty array.
  const patch: Partial<WorkspaceMessage> = {};
  if (content.text !== undefined) patch.text = content.text;
  if (content.blocks !== undefined) patch.blocks = content.blocks.length ? content.blocks : undefined;
  if (content.attachments !== undefined)
    patch.attachments = content.attachments.length ? content.attachments : undefined;
  ctx.state.updateMessage(message, patch, ctx.state.botUserId);
  return {
    ok: true,
    channel: channel.id,
    ts: message.ts,
    text: message.text,
    message: slackMessage(ctx.state, message),
  };
};

const remove: MethodHandler = (params, ctx) => {
  const channel = visibleChannel(ctx.state, params.channel);
  if (!channel) return apiError('channel_not_found');
  const message = ctx.state.getMessage(channel.id, str(params.ts) ?? '');
  if (!message || message.ephemeralFor) return apiError('message_not_found');
  if (message.botId !== ctx.state.botId) return apiError('cant_delete_message');
  ctx.state.deleteMessage(message);
  return { ok: true, channel: channel.id, ts: message.ts };
};

export const chatMethods: Record<string, MethodHandler> = {
  'chat.postMessage': postMessage,
  'chat.postEphemeral': postEphemeral,
  'chat.update': update,
  'chat.delete': remove,
};
