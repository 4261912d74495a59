import { randomBytes } from 'node:crypto';
import type { WorkspaceState, WorkspaceView } from '../state.js';
import { checkView } from './block-rules.js';
import { type ApiContext, type ApiResult, apiError, type MethodHandler, violationError } from './common.js';
import { type Params, str } from './form.js';

/** Slack keeps at most three modals in a stack. */
export const MAX_MODAL_STACK = 3;

type StateValues = Record<string, Record<string, Record<string, unknown>>>;

/** The value a fresh element reports in `view.state.values`, from its initial_* field (Slack sends nulls). */
function initialValue(element: Record<string, unknown>): Record<string, unknown> {
  const type = element.type;
  switch (type) {
    case 'plain_text_input':
    case 'number_input':
    case 'email_text_input':
    case 'url_text_input':
      return { type, value: element.initial_value ?? null };
    case 'static_select':
    case 'external_select':
    case 'radio_buttons':
      return { type, selected_option: element.initial_option ?? null };
    case 'multi_static_select':
    case 'multi_external_select':
    case 'checkboxes':
      return { type, selected_options: element.initial_options ?? [] };
    case 'users_select':
      return { type, selected_user: element.initial_user ?? null };
    case 'multi_users_select':
      return { type, selected_users: element.initial_users ?? [] };
    case 'conversations_select':
      return { type, selected_conversation: element.initial_conversation ?? null };
    case 'channels_select':
      return { type, selected_channel: element.initial_channel ?? null };
    case 'datepicker':
      return { type, selected_date: element.initial_date ?? null };
    case 'timepicker':
      return { type, selected_time: element.initial_time ?? null };
    default:
      return { type };
  }
}

/** `state.values` for a view's input blocks, keeping values the user already entered where ids still match. */
function stateValues(blocks: unknown[], previous: StateValues = {}): StateValues {
  const values: StateValues = {};
  for (const block of blocks as Array<Record<string, unknown>>) {
    const element = block.element as Record<string, unknown> | undefined;
    if (block.type !== 'input' || typeof block.block_id !== 'string' || !element) continue;
    const actionId = String(element.action_id ?? '');
    values[block.block_id] = { [actionId]: previous[block.block_id]?.[actionId] ?? initialValue(element) };
  }
  return values;
}

export interface ViewPlacement {
  id?: string;
  rootViewId?: string;
  previousViewId?: string | null;
  previousState?: StateValues;
}

/** Builds a stored view in Slack's shape (ids, hash, state) from the view argument the app sent. */
export function makeView(
  state: WorkspaceState,
  now: number,
  input: Record<string, unknown>,
  userId: string,
  placement: ViewPlacement = {},
): WorkspaceView {
  const id = placement.id ?? state.nextId('V');
  const type = input.type === 'home' ? 'home' : 'modal';
  const blocks = Array.isArray(input.blocks) ? input.blocks : [];
  const view: Record<string, unknown> = {
    id,
    team_id: state.teamId,
    type,
    blocks,
    private_metadata: input.private_metadata ?? '',
    callback_id: input.callback_id ?? '',
    state: { values: stateValues(blocks, placement.previousState) },
    hash: `${Math.floor(now / 1000)}.${randomBytes(4).toString('hex')}`,
    title: input.title,
    clear_on_close: input.clear_on_close ?? false,
    notify_on_close: input.notify_on_close ?? false,
    close: input.close ?? null,
    submit: input.submit ?? null,
    previous_view_id: placement.previousViewId ?? null,
    root_view_id: placement.rootViewId ?? id,
    app_id: state.appId,
    external_id: input.external_id ?? '',
    app_installed_team_id: state.teamId,
    bot_id: state.botId,
  };
  return { id, type, userId, view };
}

function validView(params: Params, type: 'modal' | 'home'): Record<string, unknown> | ApiResult {
  const violation = checkView(params.view, type);
  if (violation) return violationError(violation);
  return params.view as Record<string, unknown>;
}

function externalIdTaken(state: WorkspaceState, view: Record<string, unknown>, except?: string): boolean {
  const externalId = str(view.external_id);
  if (!externalId) return false;
  for (const v of state.views.values()) if (v.id !== except && v.view.external_id === externalId) return true;
  return false;
}

const isResult = (v: unknown): v is ApiResult => typeof v === 'object' && v !== null && 'ok' in v;

/** Checks the view first so a malformed view does not burn the trigger, then exchanges the trigger. */
function openOrPush(params: Params, ctx: ApiContext, push: boolean): ApiResult {
  const input = validView(params, 'modal');
  if (isResult(input)) return input;
  if (externalIdTaken(ctx.state, input)) return apiError('duplicate_external_id');
  const trigger = ctx.triggers.exchange(params.trigger_id);
  if (!trigger.ok) return apiError(trigger.error);
  const stack = ctx.state.modalStack(trigger.userId);
  if (push && stack.length >= MAX_MODAL_STACK) return apiError('push_limit_reached');
  if (push && stack.length > 0) {
    const view = makeView(ctx.state, ctx.now(), input, trigger.userId, {
      rootViewId: stack[0]!.id,
      previousViewId: stack[stack.length - 1]!.id,
    });
    ctx.state.pushModal(view);
    return { ok: true, view: view.view };
  }
  const view = makeView(ctx.state, ctx.now(), input, trigger.userId);
  ctx.state.openModal(view);
  return { ok: true, view: view.view };
}

const update: MethodHandler = (params, ctx) => {
  const viewId = str(params.view_id);
  const externalId = str(params.external_id);
  const existing = viewId
    ? ctx.state.views.get(viewId)
    : [...ctx.state.views.values()].find((v) => externalId && v.view.external_id === externalId);
  if (!existing || !ctx.state.isOpen(existing)) return apiError('not_found');
  const input = validView(params, existing.type);
  if (isResult(input)) return input;
  const hash = str(params.hash);
  if (hash && hash !== existing.view.hash) return apiError('hash_conflict');
  if (externalIdTaken(ctx.state, input, existing.id)) return apiError('duplicate_external_id');
  const view = makeView(ctx.state, ctx.now(), input, existing.userId, {
    id: existing.id,
    rootViewId: existing.view.root_view_id as string,
    previousViewId: existing.view.previous_view_id as string | null,
    previousState: (existing.view.state as { values: StateValues }).values,
  });
  ctx.state.putView(view, 'view_updated');
  return { ok: true, view: view.view };
};

const publish: MethodHandler = (params, ctx) => {
  const userId = str(params.user_id);
  if (!userId || !ctx.state.users.has(userId)) return apiError('user_not_found');
  const input = validView(params, 'home');
  if (isResult(input)) return input;
  const existingId = ctx.state.homeViews.get(userId);
  const existing = existingId ? ctx.state.views.get(existingId) : undefined;
  const hash = str(params.hash);
  if (hash && existing && hash !== existing.view.hash) return apiError('hash_conflict');
  // The Home tab keeps its view id across publishes.
  const view = makeView(ctx.state, ctx.now(), input, userId, { id: existing?.id });
  ctx.state.publishHome(view);
  return { ok: true, view: view.view };
};

export const viewMethods: Record<string, MethodHandler> = {
  'views.open': (params, ctx) => openOrPush(params, ctx, false),
  'views.push': (params, ctx) => openOrPush(params, ctx, true),
  'views.update': update,
  'views.publish': publish,
};
