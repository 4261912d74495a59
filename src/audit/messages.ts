import type { AuditEntry } from '../platform/audit-log.js';
import { type Block, context, header, type Message, message, plainText } from '../platform/blocks.js';
import { date, type Mrkdwn, md, mention } from '../platform/mrkdwn.js';

const OUTCOME_ICON: Record<AuditEntry['outcome'], string> = {
  ok: ':white_check_mark:',
  noop: ':heavy_minus_sign:',
  denied: ':no_entry:',
  failed: ':x:',
  invalid: ':warning:',
};

/** Entries per section: each is two fields (when and who; what), and a section takes ten. */
const PER_SECTION = 5;

/** A user id in a target or a detail (`U0ALICE`, `W123ABC`): shown as the person's name when Slack knows it. */
const USER_ID = /\b[UW](?=[A-Z0-9]*\d)[A-Z0-9]{2,}\b/g;

/** The user ids an entry's target and detail name, for the caller to look up once. */
export function idsIn(entries: readonly AuditEntry[]): string[] {
  return [...new Set(entries.flatMap((entry) => `${entry.target} ${entry.detail ?? ''}`.match(USER_ID) ?? []))];
}

/**
 * `/ops audit`: when (a `<!date^…>` token, in the reader's time zone) and who, then what — action, target, outcome and
 * detail as plain text, since targets and details hold what people typed: a `*`, a backtick or an `:emoji:` there must
 * show as typed, not format the log. Ids in them read as names (`nameOf`) where Slack knows the person.
 */
export function auditMessage(
  entries: AuditEntry[],
  nameOf: (id: string) => string | undefined = () => undefined,
): Message {
  if (entries.length === 0) {
    return message(md`The audit log is empty.`, [header('Audit log'), context(md`The audit log is empty.`)]);
  }
  const blocks: Block[] = [header(`Audit log — latest ${entries.length}`)];
  for (let at = 0; at < entries.length; at += PER_SECTION) {
    const fields = entries.slice(at, at + PER_SECTION).flatMap((entry) => [
      { type: 'mrkdwn', text: whenAndWho(entry).text },
      { ...plainText(whatOf(entry, nameOf).slice(0, 2000)), emoji: false },
    ]);
    blocks.push({ type: 'section', fields });
  }
  return message(md`Latest ${entries.length} audit entries`, blocks);
}

function whenAndWho(entry: AuditEntry): Mrkdwn {
  const ms = Date.parse(entry.at);
  const when = Number.isNaN(ms) ? entry.at : date(ms, '{date_short} {time_secs}');
  return md`${OUTCOME_ICON[entry.outcome] ?? ''} ${when} ${mention(entry.actor)}`;
}

function whatOf(entry: AuditEntry, nameOf: (id: string) => string | undefined): string {
  const named = (text: string) => text.replace(USER_ID, (id) => `@${nameOf(id) ?? id}`);
  const detail = entry.detail ? ` — ${named(entry.detail)}` : '';
  return `${entry.action} ${named(entry.target)} (${entry.outcome})${detail}`;
}
