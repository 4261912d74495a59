import { chatMethods } from './chat.js';
import { type ApiResult, apiError, type MethodHandler } from './common.js';
import { conversationMethods } from './conversations.js';
import { fileMethods } from './files.js';
import { str } from './form.js';
import { historyMethods } from './history.js';
import { slackUser, usergroupHandle } from './shapes.js';
import { viewMethods } from './views.js';

export type { ApiContext, ApiResult, MethodHandler } from './common.js';

const authTest: MethodHandler = (_params, ctx) => ({
  ok: true,
  url: `https://${ctx.teamDomain}.slack.com/`,
  team: ctx.teamName,
  user: ctx.state.users.get(ctx.state.botUserId)?.name,
  team_id: ctx.state.teamId,
  user_id: ctx.state.botUserId,
  bot_id: ctx.state.botId,
  is_enterprise_install: false,
});

const usersInfo: MethodHandler = (params, ctx) => {
  const user = ctx.state.users.get(str(params.user) ?? '');
  if (!user) return apiError('user_not_found');
  return { ok: true, user: slackUser(ctx.state, user) };
};

const usergroupUsers: MethodHandler = (params, ctx) => {
  const users = ctx.state.usergroups.get(str(params.usergroup) ?? '');
  if (!users) return apiError('no_such_subteam');
  return { ok: true, users: [...users] };
};

/**
 * The workspace's user groups with their handles (what `<!subteam^…>` shows as `@handle`), members when asked
 * (`include_users`), as Slack's usergroups.list answers.
 */
const usergroupsList: MethodHandler = (params, ctx) => ({
  ok: true,
  usergroups: [...ctx.state.usergroups].map(([id, users]) => ({
    id,
    team_id: ctx.state.teamId,
    is_usergroup: true,
    handle: usergroupHandle(id),
    name: usergroupHandle(id),
    user_count: users.length,
    ...(str(params.include_users) === 'true' ? { users: [...users] } : {}),
  })),
});

/** A single-use WebSocket URL (Socket Mode). Not rate-limited here: Slack's Tier 1 would throttle every reconnect. */
const appsConnectionsOpen: MethodHandler = (_params, ctx) =>
  ctx.socketUrl ? { ok: true, url: ctx.socketUrl() } : apiError('not_allowed_token_type');

/** Every Web API method the fake answers; anything else is `unknown_method`. */
export const WEB_API_METHODS: Readonly<Record<string, MethodHandler>> = {
  'apps.connections.open': appsConnectionsOpen,
  'auth.test': authTest,
  'users.info': usersInfo,
  'usergroups.list': usergroupsList,
  'usergroups.users.list': usergroupUsers,
  ...chatMethods,
  ...viewMethods,
  ...conversationMethods,
  ...historyMethods,
  ...fileMethods,
};

export function isKnownMethod(method: string): boolean {
  return Object.hasOwn(WEB_API_METHODS, method);
}

/** Methods that take the app-level token (`xapp-…`) rather than the bot token. */
const APP_LEVEL_METHODS = new Set(['apps.connections.open']);

/**
 * Token check as slack.com does it: none → `not_authed`; a token of the wrong kind for the method (an app-level token
 * on a bot method or the reverse) → `not_allowed_token_type`; any other than the app's own → `invalid_auth`.
 */
export function checkAuth(
  method: string,
  token: string | undefined,
  tokens: { bot: string; app?: string },
): ApiResult | null {
  if (!token) return apiError('not_authed');
  const wantsApp = APP_LEVEL_METHODS.has(method);
  if (wantsApp !== token.startsWith('xapp-')) return apiError('not_allowed_token_type');
  if (token !== (wantsApp ? tokens.app : tokens.bot)) return apiError('invalid_auth');
  return null;
}
