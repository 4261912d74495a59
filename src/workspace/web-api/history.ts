import type { WorkspaceMessage } from '../state.js';
import { type ApiContext, type ApiResult, apiError, type MethodHandler, visibleChannel } from './common.js';
import { bool, type Params, str } from './form.js';
import { slackMessage } from './shapes.js';

/**
 * conversations.history and conversations.replies as Slack documents them: a time window (`oldest`, `latest`,
 * exclusive unless `inclusive`), pages of `limit` behind an opaque `cursor`, and message metadata only when asked for
 * with `include_all_metadata`.
 */

/** Slack's page size: 100 by default, at most 999 (apps outside the Marketplace get 15 on slack.com; see README). */
const LIMIT_DEFAULT = 100;
const LIMIT_MAX = 999;

/** A ts argument as a number of seconds, or an error code when it is not one. */
function tsArg(value: unknown, fallback: number, error: string): number | ApiResult {
  const text = str(value);
  if (text === undefined) return fallback;
  const seconds = Number(text);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds : apiError(error);
}

/** The messages of `all` (in the order to page them) in the request's window, one page of them, as Slack answers. */
function page(params: Params, ctx: ApiContext, all: WorkspaceMessage[], extra: Record<string, unknown>): ApiResult {
  const oldest = tsArg(params.oldest, 0, 'invalid_ts_oldest');
  if (typeof oldest !== 'number') return oldest;
  const latest = tsArg(params.latest, ctx.now() / 1000 + 1, 'invalid_ts_latest');
  if (typeof latest !== 'number') return latest;
  const inclusive = bool(params.inclusive);
  const limit = Math.min(Number(str(params.limit) ?? LIMIT_DEFAULT), LIMIT_MAX);
  if (!Number.isInteger(limit) || limit < 1) return apiError('invalid_limit');
  const cursor = str(params.cursor);
  const offset = cursor ? Number.parseInt(Buffer.from(cursor, 'base64url').toString(), 10) : 0;
  if (!Number.isInteger(offset) || offset < 0) return apiError('invalid_cursor');
  const inWindow = all.filter((m) => {
    const ts = Number(m.ts);
    return inclusive ? ts >= oldest && ts <= latest : ts > oldest && ts < latest;
  });
  const slice = inWindow.slice(offset, offset + limit);
  const more = offset + slice.length < inWindow.length;
  const withMetadata = bool(params.include_all_metadata);
  return {
    ok: true,
    messages: slice.map((m) => {
      const shaped = slackMessage(ctx.state, m);
      if (!withMetadata) delete shaped.metadata;
      return shaped;
    }),
    has_more: more,
    ...extra,
    response_metadata: { next_cursor: more ? Buffer.from(String(offset + slice.length)).toString('base64url') : '' },
  };
}

/** A conversation's top-level messages, newest first (thread replies stay in their thread). */
const history: MethodHandler = (params, ctx) => {
  const channel = visibleChannel(ctx.state, params.channel);
  if (!channel) return apiError('channel_not_found');
  const messages = ctx.state
    .visibleMessages(channel.id)
    .filter((m) => !m.ephemeralFor && (m.threadTs === undefined || m.threadTs === m.ts))
    .reverse();
  return page(params, ctx, messages, { pin_count: 0 });
};

/** A thread: its parent first, then its replies oldest first. */
const replies: MethodHandler = (params, ctx) => {
  const channel = visibleChannel(ctx.state, params.channel);
  if (!channel) return apiError('channel_not_found');
  const parent = ctx.state.getMessage(channel.id, str(params.ts) ?? '');
  if (!parent || parent.ephemeralFor) return apiError('thread_not_found');
  const thread = [parent, ...ctx.state.replies(channel.id, parent.ts).filter((m) => !m.ephemeralFor)];
  return page(params, ctx, thread, {});
};

export const historyMethods: Record<string, MethodHandler> = {
  'conversations.history': history,
  'conversations.replies': replies,
};
