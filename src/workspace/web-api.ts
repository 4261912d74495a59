import { str } from './form.js';
import { chatMethods } from './methods/chat.js';
import { type ApiResult, apiError, type MethodHandler } from './methods/common.js';
import { conversationMethods } from './methods/conversations.js';
import { viewMethods } from './methods/views.js';
import { slackUser } from './shapes.js';

export type { ApiContext, ApiResult, MethodHandler } from './methods/common.js';

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

/** Every Web API method the fake answers; anything else is `unknown_method`. */
export const WEB_API_METHODS: Readonly<Record<string, MethodHandler>> = {
  'auth.test': authTest,
  'users.info': usersInfo,
  'usergroups.users.list': usergroupUsers,
  ...chatMethods,
  ...viewMethods,
  ...conversationMethods,
};

export function isKnownMethod(method: string): boolean {
  return Object.hasOwn(WEB_API_METHODS, method);
}

/** Token check as slack.com does it: none → `not_authed`, any other than the bot token → `invalid_auth`. */
export function checkAuth(token: string | undefined, botToken: string): ApiResult | null {
  if (!token) return apiError('not_authed');
  if (token !== botToken) return apiError('invalid_auth');
  return null;
}
