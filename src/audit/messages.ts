import type { AuditEntry } from '../platform/audit-log.js';
import { context, escapeMrkdwn, header, type Message, sectionsOf } from '../platform/blocks.js';

const OUTCOME_ICON: Record<AuditEntry['outcome'], string> = {
  ok: ':white_check_mark:',
  noop: ':heavy_minus_sign:',
  denied: ':no_entry:',
  failed: ':x:',
  invalid: ':warning:',
};

export function auditMessage(entries: AuditEntry[]): Message {
  if (entries.length === 0) {
    return { text: 'The audit log is empty.', blocks: [header('Audit log'), context('The audit log is empty.')] };
  }
  const lines = entries.map((entry) => {
    const detail = entry.detail ? ` — ${escapeMrkdwn(entry.detail)}` : '';
    return `${OUTCOME_ICON[entry.outcome] ?? ''} \`${entry.at}\` <@${entry.actor}> *${escapeMrkdwn(entry.action)}* ${escapeMrkdwn(entry.target)} (${entry.outcome})${detail}`;
  });
  return {
    text: `Latest ${entries.length} audit entries`,
    blocks: [header(`Audit log — latest ${entries.length}`), ...sectionsOf(lines)],
  };
}
