import { hasSection } from '../config/catalog.js';
import { ErrorCode, hasCode } from '../errors.js';
import { truncate } from '../platform/blocks.js';
import { md } from '../platform/mrkdwn.js';
import type { Services } from '../platform/services.js';
import { runbookIn } from '../runbooks/api.js';
import { alertsConfig } from './config.js';
import { groupMessage, messageKey, runbookOf, threadKeyOf } from './messages.js';
import { type AlertGroup, titleOf } from './rules.js';

/**
 * Shows a group's current state in its one message: posted once per epoch under the group's key, edited afterwards.
 * `line`, when given, is added to the message's thread (no mentions there, so resolves ping no one). The buttons
 * follow ops.yml: Silence with an Alertmanager to silence in, Declare incident with an `incidents:` section.
 */
export async function publishGroup(
  { outbox, catalog }: Pick<Services, 'outbox' | 'catalog'>,
  group: AlertGroup,
  options: { line?: string; isNew?: boolean; receivedAt?: number } = {},
): Promise<{ kind: 'post' | 'update'; posts: number }> {
  const key = messageKey(group);
  // A related group's message, and its lines, are in its lead's thread (Slack threads are one level deep).
  const thread = group.relatedTo ? threadKeyOf(group) : undefined;
  const message = groupMessage(group, {
    canSilence: alertsConfig.of(catalog).alertmanagerUrl !== undefined,
    canDeclare: hasSection(catalog, 'incidents'),
    runbook: runbookIn(catalog, runbookOf(group)),
  });
  // The webhook's arrival: alerts are told when Slack shows the group (opsdeck_alerts_delivery_seconds).
  const origin = options.receivedAt === undefined ? undefined : { by: 'alerts', at: options.receivedAt };
  let kind: 'post' | 'update' = 'post';
  let posts = 0;
  if (options.isNew) {
    // Alertmanager and Grafana hold a new group for their own group_wait before sending it; other senders send alert
    // by alert, so Opsdeck holds their new groups itself. Measured from when this epoch started, so a rerun or a late
    // drain does not wait again.
    const groupWaitMs = group.source === 'generic' ? alertsConfig.of(catalog).groupWait : 0;
    await outbox.post({
      key,
      channel: group.channel,
      message,
      ...(groupWaitMs > 0 && { notBefore: group.since + groupWaitMs }),
      ...(thread && { threadKey: thread }),
      origin,
    });
    posts++;
  } else {
    try {
      // A resolve is the state the message is meant to rest in: it goes ahead of other edits in a storm.
      await outbox.update({ key, message, final: group.state === 'resolved', origin });
      kind = 'update';
    } catch (error) {
      // The post of this epoch is not stored yet (its worker has not got that far, or crashed before): post it now,
      // with the newest content; the other worker's post is then a no-op.
      if (!hasCode(error, ErrorCode.NoMessage)) throw error;
      await outbox.post({ key, channel: group.channel, message, origin, ...(thread && { threadKey: thread }) });
      posts++;
    }
  }
  // A change before the message first showed needs no line: nobody saw the state it changed from (and in a storm the
  // channel's posts are the scarce thing).
  if (options.line && group.changes > 0 && (await outbox.ref(key))) {
    await outbox.post({
      key: `${key}.t${group.changes}`,
      channel: group.channel,
      threadKey: thread ?? key,
      // In a shared thread a line says whose it is.
      message: { text: thread ? `${md`*${truncate(titleOf(group), 100)}*:`.text} ${options.line}` : options.line },
    });
    posts++;
  }
  return { kind, posts };
}
