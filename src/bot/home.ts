import type { View } from '@slack/types';
import { type Block, context, escapeMrkdwn, header, sectionsOf } from '../platform/blocks.js';
import type { Registry } from '../platform/registry.js';
import { usageLine } from './help.js';

/** Slack's limit for a Home tab. */
const MAX_BLOCKS = 100;

/**
 * The Home tab: a section per capability, its own when it declares one (open incidents, pending approvals), else its
 * subcommands. A capability whose section fails is shown by its subcommands, so one broken section never blanks Home.
 */
export async function homeView(registry: Registry, slashCommand: string, userId: string): Promise<View> {
  const blocks: Block[] = [
    header('Opsdeck'),
    ...sectionsOf(['Operations from Slack. Every change is permission-checked and written to the audit log.']),
  ];
  for (const capability of registry.capabilities) {
    const own = capability.home ? await Promise.resolve(capability.home({ userId })).catch(() => undefined) : undefined;
    const entries = registry.subcommandsOf(capability);
    const section =
      own ??
      sectionsOf([
        `*${escapeMrkdwn(capability.title)}*`,
        ...entries.map(
          (e) => `\`${escapeMrkdwn(usageLine(e, slashCommand))}\` — ${escapeMrkdwn(e.subcommand.summary)}`,
        ),
      ]);
    if (section.length > 0) blocks.push({ type: 'divider' }, ...section);
  }
  blocks.push(context(`Type \`${slashCommand} help\` in any channel for the full usage.`));
  return { type: 'home', blocks: blocks.slice(0, MAX_BLOCKS) as View['blocks'] };
}
