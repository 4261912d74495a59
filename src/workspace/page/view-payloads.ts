import { findElement, type PayloadContext } from '../delivery/payloads.js';
import type { WorkspaceView } from '../state.js';

/**
 * Payloads for what a person does inside a view on the page: a click in a modal or the Home tab (`block_actions`
 * with a `view` container) and closing a modal that asked for `notify_on_close` (`view_closed`). Messages' clicks go
 * through Interactions.sendBlockAction; these have no message and no response_url, as on Slack. Pure.
 */

type Json = Record<string, unknown>;

export interface ViewActionInput {
  userId: string;
  view: WorkspaceView;
  actionId: string;
  blockId?: string;
  value?: string;
  selectedOption?: { value: string; text?: string };
  triggerId: string;
  /** Slack-style seconds string. */
  actionTs: string;
}

function user(ctx: PayloadContext, userId: string): Json {
  const name = ctx.state.users.get(userId)?.name ?? userId;
  return { id: userId, username: name, name, team_id: ctx.state.teamId };
}

function common(ctx: PayloadContext, userId: string): Json {
  return {
    user: user(ctx, userId),
    api_app_id: ctx.state.appId,
    token: ctx.verificationToken,
    team: { id: ctx.state.teamId, domain: ctx.teamDomain },
    enterprise: null,
    is_enterprise_install: false,
  };
}

function optionText(element: Json | undefined, value: string, text?: string): Json {
  if (text) return { type: 'plain_text', text, emoji: true };
  const options = Array.isArray(element?.options) ? (element.options as Json[]) : [];
  const found = options.find((o) => o.value === value)?.text;
  return (found as Json | undefined) ?? { type: 'plain_text', text: value, emoji: true };
}

/** The `actions[0]` of a click on an element of the view. */
function viewAction(input: ViewActionInput): Json {
  const found = findElement(input.view.view.blocks as unknown[] | undefined, input.actionId);
  const element = found?.element;
  const type = typeof element?.type === 'string' ? element.type : 'button';
  const action: Json = { action_id: input.actionId, block_id: input.blockId ?? found?.blockId ?? '', type };
  if (type === 'button') {
    action.text = element?.text;
    action.value = input.value ?? element?.value;
  } else if (input.selectedOption) {
    const { value, text } = input.selectedOption;
    action.selected_option = { text: optionText(element, value, text), value };
  } else if (type === 'datepicker') action.selected_date = input.value;
  else if (input.value !== undefined) action.value = input.value;
  action.action_ts = input.actionTs;
  return action;
}

export function viewBlockActionsPayload(ctx: PayloadContext, input: ViewActionInput): Json {
  return {
    type: 'block_actions',
    ...common(ctx, input.userId),
    container: { type: 'view', view_id: input.view.id },
    trigger_id: input.triggerId,
    view: input.view.view,
    actions: [viewAction(input)],
  };
}

export function viewClosedPayload(
  ctx: PayloadContext,
  input: { userId: string; view: WorkspaceView; isCleared: boolean },
): Json {
  return { type: 'view_closed', ...common(ctx, input.userId), view: input.view.view, is_cleared: input.isCleared };
}
