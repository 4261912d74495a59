import { SUBCOMMANDS, usageOf } from '../grammar.js';
import { context, escapeMrkdwn, header, type Message, sectionsOf } from './message.js';

export function helpMessage(slashCommand: string): Message {
  const lines = SUBCOMMANDS.map((spec) => `\`${usageOf(spec, slashCommand)}\`\n${escapeMrkdwn(spec.summary)}`);
  return {
    text: `Opsdeck commands:\n${SUBCOMMANDS.map((spec) => usageOf(spec, slashCommand)).join('\n')}`,
    blocks: [header('Opsdeck commands'), ...sectionsOf(lines), context('Only you can see this message.')],
  };
}
