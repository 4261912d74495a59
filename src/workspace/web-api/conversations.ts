import { apiError, type MethodHandler, visibleChannel } from './common.js';
import { bool, str } from './form.js';
import { slackChannel } from './shapes.js';

/** Channel names: lowercase letters, digits, `-` and `_`, at most 80 characters. */
export const CHANNEL_NAME_MAX = 80;
const CHANNEL_NAME = /^[a-z0-9_-]+$/;
const TOPIC_MAX = 250;

const create: MethodHandler = (params, ctx) => {
  const name = str(params.name);
  if (!name) return apiError('invalid_name_required');
  if (name.length > CHANNEL_NAME_MAX) return apiError('invalid_name_maxlength');
  if (!CHANNEL_NAME.test(name)) return apiError('invalid_name_specials');
  for (const c of ctx.state.channels.values()) if (!c.isIm && c.name === name) return apiError('name_taken');
  const channel = ctx.state.createChannel(name, bool(params.is_private), ctx.state.botUserId);
  return { ok: true, channel: slackChannel(ctx.state, channel) };
};

/** Takes user ids only (Slack does not expand user groups here: `usergroups.users.list` first). */
const invite: MethodHandler = (params, ctx) => {
  const channel = visibleChannel(ctx.state, params.channel);
  if (!channel || channel.isIm) return apiError('channel_not_found');
  if (!channel.members.includes(ctx.state.botUserId)) return apiError('not_in_channel');
  const users = (str(params.users) ?? '')
    .split(',')
    .map((u) => u.trim())
    .filter(Boolean);
  if (users.length === 0) return apiError('no_user');
  for (const user of users) {
    if (user === ctx.state.botUserId) return apiError('cant_invite_self');
    if (!ctx.state.users.has(user)) return apiError('user_not_found');
  }
  const newcomers = users.filter((u) => !channel.members.includes(u));
  if (newcomers.length === 0) return apiError('already_in_channel');
  for (const user of newcomers) ctx.state.addMember(channel, user);
  return { ok: true, channel: slackChannel(ctx.state, channel) };
};

const setTopic: MethodHandler = (params, ctx) => {
  const channel = visibleChannel(ctx.state, params.channel);
  if (!channel) return apiError('channel_not_found');
  if (!channel.members.includes(ctx.state.botUserId)) return apiError('not_in_channel');
  const topic = typeof params.topic === 'string' ? params.topic : '';
  if (topic.length > TOPIC_MAX) return apiError('too_long');
  ctx.state.setTopic(channel, topic, ctx.state.botUserId);
  return { ok: true, channel: slackChannel(ctx.state, channel) };
};

const info: MethodHandler = (params, ctx) => {
  const channel = visibleChannel(ctx.state, params.channel);
  if (!channel) return apiError('channel_not_found');
  return { ok: true, channel: slackChannel(ctx.state, channel) };
};

const join: MethodHandler = (params, ctx) => {
  const channel = visibleChannel(ctx.state, params.channel);
  if (!channel) return apiError('channel_not_found');
  if (channel.isPrivate) return apiError('method_not_supported_for_channel_type');
  if (channel.members.includes(ctx.state.botUserId)) {
    return {
      ok: true,
      channel: slackChannel(ctx.state, channel),
      warning: 'already_in_channel',
      response_metadata: { warnings: ['already_in_channel'] },
    };
  }
  ctx.state.addMember(channel, ctx.state.botUserId);
  return { ok: true, channel: slackChannel(ctx.state, channel) };
};

const pinsAdd: MethodHandler = (params, ctx) => {
  const channel = visibleChannel(ctx.state, params.channel);
  if (!channel) return apiError('channel_not_found');
  if (!channel.members.includes(ctx.state.botUserId)) return apiError('not_in_channel');
  const ts = str(params.timestamp);
  if (!ts) return apiError('no_item_specified');
  const message = ctx.state.getMessage(channel.id, ts);
  if (!message || message.ephemeralFor) return apiError('message_not_found');
  if (!ctx.state.addPin(message, ctx.state.botUserId)) return apiError('already_pinned');
  return { ok: true };
};

const reactionsAdd: MethodHandler = (params, ctx) => {
  const channel = visibleChannel(ctx.state, params.channel);
  if (!channel) return apiError('channel_not_found');
  const ts = str(params.timestamp);
  if (!ts) return apiError('no_item_specified');
  const name = str(params.name)?.replace(/^:|:$/g, '');
  if (!name) return apiError('invalid_name');
  const message = ctx.state.getMessage(channel.id, ts);
  if (!message || message.ephemeralFor) return apiError('message_not_found');
  if (!ctx.state.addReaction(message, name, ctx.state.botUserId)) return apiError('already_reacted');
  return { ok: true };
};

/** Slack's page size bounds for conversations.list. */
const LIST_LIMIT_DEFAULT = 100;
const LIST_LIMIT_MAX = 1000;

/**
 * Public channels, and private ones the bot is in, oldest first, a page at a time: `cursor` is the offset, opaque to
 * callers as Slack's is. `types` takes public_channel and private_channel (ims and mpims are not listed here).
 */
const list: MethodHandler = (params, ctx) => {
  const types = new Set((str(params.types) ?? 'public_channel').split(',').map((t) => t.trim()));
  for (const type of types) {
    if (!['public_channel', 'private_channel', 'im', 'mpim'].includes(type)) return apiError('invalid_types');
  }
  const limit = Number(str(params.limit) ?? params.limit ?? LIST_LIMIT_DEFAULT);
  if (!Number.isInteger(limit) || limit < 1) return apiError('invalid_limit');
  const cursor = str(params.cursor);
  const offset = cursor ? Number.parseInt(Buffer.from(cursor, 'base64url').toString(), 10) : 0;
  if (!Number.isInteger(offset) || offset < 0) return apiError('invalid_cursor');
  const all = [...ctx.state.channels.values()].filter(
    (c) =>
      !c.isIm &&
      (c.isPrivate
        ? types.has('private_channel') && c.members.includes(ctx.state.botUserId)
        : types.has('public_channel')),
  );
  const page = all.slice(offset, offset + Math.min(limit, LIST_LIMIT_MAX));
  const next = offset + page.length < all.length ? Buffer.from(String(offset + page.length)).toString('base64url') : '';
  return {
    ok: true,
    channels: page.map((c) => slackChannel(ctx.state, c)),
    response_metadata: { next_cursor: next },
  };
};

export const conversationMethods: Record<string, MethodHandler> = {
  'conversations.create': create,
  'conversations.list': list,
  'conversations.invite': invite,
  'conversations.setTopic': setTopic,
  'conversations.info': info,
  'conversations.join': join,
  'pins.add': pinsAdd,
  'reactions.add': reactionsAdd,
};
