import { createHash } from 'node:crypto';
import type { MessageShortcut } from '@slack/bolt';
import type { Logger } from '../../log.js';
import { type Message, textMessage } from '../../platform/blocks.js';
import {
  auditActionOf,
  BUTTON_VALUE,
  type Capability,
  type Guarded,
  type Unchanged,
} from '../../platform/capability.js';
import { md } from '../../platform/mrkdwn.js';
import { cut } from '../../platform/text.js';
import { runGuarded, type Surface } from './guard.js';
import type { RouterDeps } from './router-deps.js';
import type { Routes } from './routes.js';

/**
 * Buttons, selects, modal submissions and shortcuts, routed to the capability that declared their id. Each is
 * acknowledged at once (a modal submission with its errors), deduped on trigger_id, permission-checked, audited, and
 * any failure reaches the user: through the response_url when there is one, as `response_action: errors` in a modal,
 * else as a direct message from the app.
 */
export function registerInteractionRoutes(routes: Routes, deps: RouterDeps): void {
  const log = deps.logger.child({ module: 'bot.router' });
  const guarded = guardedBy(deps);
  registerActions(routes, deps, guarded, log);
  registerViews(routes, deps, guarded);
  registerShortcuts(routes, deps, guarded);
}

type Guard = ReturnType<typeof guardedBy>;

/** Runs a handler through the guard (dedupe, role, audit, failure replies) and counts the outcome. */
function guardedBy(deps: RouterDeps) {
  return (
    surface: Surface,
    capability: Capability,
    name: string,
    guard: Guarded,
    userId: string,
    target: string,
    // biome-ignore lint/suspicious/noConfusingVoidType: the handlers' own return type (ViewSubmission.run).
    run: () => Promise<void | Unchanged | { errors: Record<string, string> }>,
    role?: () => Promise<string | undefined>,
  ) =>
    runGuarded(deps, { capability, surface, name, guard, userId, target, what: whatOf(surface), role }, run).then(
      (result) => {
        deps.metrics.interactions.inc({ surface, capability: capability.name, outcome: result.outcome });
        return result;
      },
    );
}

/** Buttons and selects: acked at once; failures through the response_url, else a direct message. */
function registerActions(routes: Routes, deps: RouterDeps, guarded: Guard, log: Logger): void {
  routes.action(async ({ ack, body, action, respond, client }) => {
    await ack();
    const actionId = 'action_id' in action ? action.action_id : '';
    const found = deps.registry.findAction(actionId);
    if (!found) {
      log.warn({ actionId }, 'no capability declares this action');
      return;
    }
    if (!(await deps.firstSeen('action')(body.trigger_id))) return;
    const raw =
      'value' in action ? action.value : 'selected_option' in action ? action.selected_option?.value : undefined;
    const checked = raw === undefined ? undefined : (found.action.value ?? BUTTON_VALUE).safeParse(raw);
    const value = checked?.success ? checked.data : undefined;
    const container = body.container as { channel_id?: string; message_ts?: string; is_ephemeral?: boolean };
    const tell = async (message: Message, replaceOriginal = false) => {
      if (body.response_url) {
        await respond({ ...message, response_type: 'ephemeral', replace_original: replaceOriginal } as never);
      } else {
        await client.chat.postMessage({ channel: body.user.id, ...message } as never);
      }
    };
    if (checked && !checked.success) {
      // A value Opsdeck never made: refused before any handler reads it, and not stored as it came.
      await deps.audit.append({
        actor: body.user.id,
        action: found.action.auditAction ?? auditActionOf(found.capability.name, actionId),
        target: actionId,
        outcome: 'invalid',
        detail: `button value ${checked.error.issues[0]?.message ?? 'is not valid'}`,
        at: deps.now(),
      });
      deps.metrics.interactions.inc({ surface: 'action', capability: found.capability.name, outcome: 'usage_error' });
      await tell(textMessage(md`That button is not one Opsdeck made: nothing was done.`)).catch(() => {});
      return;
    }
    const result = await guarded(
      'action',
      found.capability,
      actionId,
      found.action,
      body.user.id,
      found.action.auditTarget?.(value) ?? actionId,
      () =>
        found.action.run({
          actionId,
          blockId: 'block_id' in action ? action.block_id : undefined,
          value,
          userId: body.user.id,
          channelId: body.channel?.id ?? container.channel_id,
          triggerId: body.trigger_id,
          responseUrl: body.response_url,
          message:
            container.channel_id && container.message_ts && !container.is_ephemeral
              ? { channelId: container.channel_id, ts: container.message_ts }
              : undefined,
          respond: (message, options) => tell(message, options?.replaceOriginal),
        }),
      found.action.roleFor && (() => found.action.roleFor!({ value, userId: body.user.id })),
    );
    if (result.outcome !== 'ok')
      await tell(result.message).catch((err: Error) =>
        log.warn({ err: { message: err.message } }, 'could not tell the user'),
      );
  });
}

/** Modal submissions: the handler's field errors, or the failure under the first input, in the ack. */
function registerViews(routes: Routes, deps: RouterDeps, guarded: Guard): void {
  routes.view(async ({ ack, body, view }) => {
    const found = deps.registry.findView(view.callback_id);
    // The view's hash stays the same when a submission was answered with errors: the values tell a corrected
    // resubmission from a replay of the same one.
    const submission = `${view.id}:${view.hash}:${createHash('sha256').update(JSON.stringify(view.state.values)).digest('hex').slice(0, 16)}`;
    if (!found || !(await deps.firstSeen('view')(submission))) {
      await ack();
      return;
    }
    const result = await guarded(
      'view',
      found.capability,
      view.callback_id,
      found.view,
      body.user.id,
      found.view.auditTarget?.(view.private_metadata) ?? view.callback_id,
      () =>
        found.view.run({
          callbackId: view.callback_id,
          privateMetadata: view.private_metadata,
          values: view.state.values as never,
          userId: body.user.id,
          triggerId: (body as { trigger_id?: string }).trigger_id ?? '',
          viewId: view.id,
        }),
    );
    if (result.outcome === 'ok') {
      await ack(
        result.value && 'errors' in result.value
          ? { response_action: 'errors', errors: result.value.errors }
          : undefined,
      );
      return;
    }
    // Slack shows modal errors under an input block: the first one carries the message.
    const firstBlock = Object.keys(view.state.values)[0];
    if (firstBlock) await ack({ response_action: 'errors', errors: { [firstBlock]: cut(result.message.text, 2000) } });
    else await ack();
  });
}

/** Global and message shortcuts. */
function registerShortcuts(routes: Routes, deps: RouterDeps, guarded: Guard): void {
  routes.shortcut(async ({ ack, shortcut, respond, client }) => {
    await ack();
    const found = deps.registry.findShortcut(shortcut.callback_id);
    if (!found || !(await deps.firstSeen('shortcut')(shortcut.trigger_id))) return;
    const message = shortcut.type === 'message_action' ? (shortcut as MessageShortcut) : undefined;
    const result = await guarded(
      'shortcut',
      found.capability,
      shortcut.callback_id,
      found.shortcut,
      shortcut.user.id,
      shortcut.callback_id,
      () =>
        found.shortcut.run({
          callbackId: shortcut.callback_id,
          triggerId: shortcut.trigger_id,
          userId: shortcut.user.id,
          channelId: message?.channel.id,
          message: message && {
            channelId: message.channel.id,
            ts: message.message_ts,
            text: message.message.text ?? '',
          },
        }),
    );
    if (result.outcome === 'ok') return;
    const reply = result.message;
    if (message?.response_url) await respond({ ...reply, response_type: 'ephemeral' } as never);
    else await client.chat.postMessage({ channel: shortcut.user.id, ...reply } as never).catch(() => {});
  });
}

function whatOf(surface: Surface): string {
  return surface === 'action'
    ? 'handling that click'
    : surface === 'view'
      ? 'submitting that form'
      : 'running that shortcut';
}
