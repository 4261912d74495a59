import { SUBCOMMANDS, usageOf } from '../grammar.js';
import { context, escapeMrkdwn, header, sectionsOf } from './message.js';

/** The Home tab: what Opsdeck can do, for whoever opens it. Later capabilities add their sections here. */
export function homeView(slashCommand: string): { type: 'home'; blocks: unknown[] } {
  const lines = SUBCOMMANDS.map((spec) => `\`${usageOf(spec, slashCommand)}\` — ${escapeMrkdwn(spec.summary)}`);
  return {
    type: 'home',
    blocks: [
      header('Opsdeck'),
      ...sectionsOf(['Operations from Slack. Every change is permission-checked and written to the audit log.']),
      { type: 'divider' },
      ...sectionsOf(lines),
      context(`Type \`${slashCommand} help\` in any channel for the full usage.`),
    ],
  };
}
