import type { WorkspaceChannel, WorkspaceState } from '../state.js';
import type { RuleViolation } from './block-rules.js';
import type { Params } from './form.js';
import type { TriggerRegistry } from './triggers.js';

/** What a Web API method handler may use: the state and the trigger registry, nothing of HTTP. */
export interface ApiContext {
  state: WorkspaceState;
  triggers: TriggerRegistry;
  teamName: string;
  teamDomain: string;
  now: () => number;
  /** The server's own base URL (`http://127.0.0.1:<port>`), for the URLs it hands out (upload URLs, files). */
  baseUrl: () => string;
  /** Issues a Socket Mode URL; present when the app has Socket Mode on (an app-level token was given). */
  socketUrl?: () => string;
}

/** A Web API answer body; Slack always says `ok` and, when false, an `error` code. */
export type ApiResult = { ok: boolean } & Record<string, unknown>;

export type MethodHandler = (params: Params, ctx: ApiContext) => ApiResult;

export function apiError(error: string, extra: Record<string, unknown> = {}): ApiResult {
  return { ok: false, error, ...extra };
}

/** A rule violation as slack.com reports it: the code plus `response_metadata.messages`. */
export function violationError(v: RuleViolation): ApiResult {
  return apiError(v.error, { errors: [v.message], response_metadata: { messages: [`[ERROR] ${v.message}`] } });
}

/**
 * A channel as the bot can see it. Private channels the bot is not in do not exist for it (Slack answers
 * `channel_not_found`, not `not_in_channel`); public ones are visible to every app.
 */
export function visibleChannel(state: WorkspaceState, id: unknown): WorkspaceChannel | undefined {
  if (typeof id !== 'string') return undefined;
  const channel = state.findChannel(id);
  if (!channel) return undefined;
  if (channel.isPrivate && !channel.members.includes(state.botUserId)) return undefined;
  return channel;
}
