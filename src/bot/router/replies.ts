import type { PermissionDenied, Refused, UsageError } from '../../errors.js';
import { escapeMrkdwn, type Message, section } from '../../platform/blocks.js';

/** What a user sees when the grammar rejects their command: what was wrong, then the usage. */
export function usageMessage(error: UsageError): Message {
  const usage = error.usage
    .split('\n')
    .map((line) => `\`${escapeMrkdwn(line)}\``)
    .join('\n');
  return {
    text: `${error.message}\nUsage:\n${error.usage}`,
    blocks: [section(`:warning: ${escapeMrkdwn(error.message)}`), section(`*Usage*\n${usage}`)],
  };
}

/** A refusal, for lack of a role or by a rule: what stops it, as the error says. */
export function deniedMessage(error: PermissionDenied | Refused): Message {
  return { text: error.message, blocks: [section(`:no_entry: ${error.message}`)] };
}

/**
 * For failures that are not the user's fault: the details stay in the logs, never in Slack; the reference is in both,
 * so whoever runs Opsdeck finds the log line a user quotes.
 */
export function failureMessage(what: string, reference: string): Message {
  const text = `Something went wrong while ${what}. Try again in a moment; if it keeps failing, give whoever runs Opsdeck the reference ${reference}.`;
  return { text, blocks: [section(`:x: ${escapeMrkdwn(text)}`)] };
}
