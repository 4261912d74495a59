import type { EventEmitter } from 'node:events';
import type { WorkspaceState, WorkspaceView } from '../state.js';
import { checkView } from '../web-api/block-rules.js';
import { isApiResult, messageContent } from '../web-api/chat.js';
import { MAX_MODAL_STACK, makeView } from '../web-api/views.js';
import { postReply, type ResponseUrlEntry } from './response-urls.js';
import type { BotResponse } from './transport.js';

/**
 * What Slack does with the body of an app's ack: a command's body becomes its immediate reply, a
 * view_submission's `response_action` changes the modal stack. Anything Slack would refuse is not applied and is
 * reported as an `ack_rejected` event instead (the user would see an error in Slack).
 */

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Records a command ack body (JSON `{text, blocks, response_type}` or plain text) as the command's reply. */
export function applyCommandAck(
  state: WorkspaceState,
  events: EventEmitter,
  entry: ResponseUrlEntry,
  response: BotResponse,
): void {
  if (response.status !== 200 || response.text.trim().length === 0) return;
  const params = isObject(response.body) ? response.body : { text: response.text };
  const content = messageContent(params);
  if (isApiResult(content)) {
    events.emit('ack_rejected', { kind: 'command', error: content.error, body: response.body });
    return;
  }
  const reply = postReply(state, entry, content, params.response_type);
  if (entry.source.kind === 'command') entry.source.lastReplyTs = reply.ts;
}

/** Applies a view_submission ack: errors / update / push / clear, or closes the submitted view on an empty ack. */
export function applyViewAck(
  state: WorkspaceState,
  events: EventEmitter,
  now: number,
  submitted: WorkspaceView,
  response: BotResponse,
): void {
  // Slack shows "We had some trouble connecting" and keeps the modal open on a non-200.
  if (response.status !== 200) return;
  const body = isObject(response.body) ? response.body : {};
  const error = applyResponseAction(state, events, now, submitted, body);
  if (error) events.emit('ack_rejected', { kind: 'view_submission', error, body });
}

/** Returns the error code when Slack would refuse the ack, else null. */
function applyResponseAction(
  state: WorkspaceState,
  events: EventEmitter,
  now: number,
  submitted: WorkspaceView,
  body: Record<string, unknown>,
): string | null {
  switch (body.response_action) {
    case 'errors': {
      if (!isObject(body.errors)) return 'invalid_errors';
      submitted.errors = body.errors as Record<string, string>;
      events.emit('view_errors', submitted);
      return null;
    }
    case 'update': {
      const violation = checkView(body.view, 'modal');
      if (violation) return violation.error;
      const view = makeView(state, now, body.view as Record<string, unknown>, submitted.userId, {
        id: submitted.id,
        rootViewId: submitted.view.root_view_id as string,
        previousViewId: submitted.view.previous_view_id as string | null,
      });
      state.putView(view, 'view_updated');
      return null;
    }
    case 'push': {
      const violation = checkView(body.view, 'modal');
      if (violation) return violation.error;
      const stack = state.modalStack(submitted.userId);
      if (stack.length >= MAX_MODAL_STACK) return 'push_limit_reached';
      state.pushModal(
        makeView(state, now, body.view as Record<string, unknown>, submitted.userId, {
          rootViewId: stack[0]?.id ?? submitted.id,
          previousViewId: stack[stack.length - 1]?.id ?? submitted.id,
        }),
      );
      return null;
    }
    case 'clear':
      state.clearModals(submitted.userId);
      return null;
    default:
      state.closeModal(submitted);
      return null;
  }
}
