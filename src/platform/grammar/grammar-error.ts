/**
 * What the user typed does not fit the command. The message names the argument and what was expected, quotes at most
 * 40 characters of the input in a code span, and carries no usage (the router adds that). It starts in lower case
 * with no final period, so the router can frame it. The quoted input is user text: escape the message for mrkdwn.
 */
export class GrammarError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GrammarError';
  }
}

const SHOWN_MAX = 40;

/**
 * A piece of user input as inline code for an error message: cut to 40 characters so a 4,000-character token does not
 * flood the reply, and with backticks swapped for quotes so the input cannot close the code span.
 */
export function shown(text: string): string {
  const chars = Array.from(text); // by code point, so an emoji is never cut in half
  const cut = chars.length > SHOWN_MAX ? `${chars.slice(0, SHOWN_MAX).join('')}…` : text;
  return `\`${cut.replaceAll('`', "'")}\``;
}
