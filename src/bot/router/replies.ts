import type { PermissionDenied, Refused, UsageError } from '../../errors.js';
import { type Message, message, section } from '../../platform/blocks.js';
import { code, join, md } from '../../platform/mrkdwn.js';

/** What a user sees when the grammar rejects their command: what was wrong, then the usage. */
export function usageMessage(error: UsageError): Message {
  const usage = join(error.usage.split('\n').map(code), md`\n`);
  return message(md`${error.message}\nUsage:\n${error.usage}`, [
    section(md`:warning: ${error.message}`),
    section(md`*Usage*\n${usage}`),
  ]);
}

/**
 * A refusal, for lack of a role or by a rule: what stops it, as the error says. The error's markdown was built with
 * `md`, so a lock's or freeze's reason (a person's words) shows as text.
 */
export function deniedMessage(error: PermissionDenied | Refused): Message {
  return message(error.markdown, [section(md`:no_entry: ${error.markdown}`)]);
}

/**
 * For failures that are not the user's fault: the details stay in the logs, never in Slack; the reference is in both,
 * so whoever runs Opsdeck finds the log line a user quotes.
 */
export function failureMessage(what: string, reference: string): Message {
  const text = md`Something went wrong while ${what}. Try again in a moment; if it keeps failing, give whoever runs Opsdeck the reference ${reference}.`;
  return message(text, [section(md`:x: ${text}`)]);
}
