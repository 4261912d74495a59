import type { PermissionDenied, UsageError } from '../../errors.js';
import { escapeMrkdwn, type Message, section } from './message.js';

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

export function deniedMessage(error: PermissionDenied): Message {
  return { text: error.message, blocks: [section(`:no_entry: ${error.message}`)] };
}

/** For failures that are not the user's fault; the details are in the logs, never in Slack. */
export function failureMessage(what: string): Message {
  const text = `Something went wrong while ${what}. The error has been logged; try again in a moment.`;
  return { text, blocks: [section(`:x: ${escapeMrkdwn(text)}`)] };
}
