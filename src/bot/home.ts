import type { View } from '@slack/types';
import { type Block, context, header, sectionsOf } from '../platform/blocks.js';
import { code, md } from '../platform/mrkdwn.js';
import type { Registry } from '../platform/registry.js';
import { usageSummary } from './help.js';

/** Slack's limit for a Home tab. */
const MAX_BLOCKS = 100;

/**
 * The Home tab: a section per capability, its own when it declares one (open incidents, pending approvals), else its
 * subcommands. A capability whose section fails is shown by its subcommands, so one broken section never blanks Home.
 */
export async function homeView(registry: Registry, slashCommand: string, userId: string): Promise<View> {
  const blocks: Block[] = [
    header('Opsdeck'),
    ...sectionsOf([md`Operations from Slack. Every change is permission-checked and written to the audit log.`]),
  ];
  for (const capability of registry.capabilities) {
    const own = capability.home ? await Promise.resolve(capability.home({ userId })).catch(() => undefined) : undefined;
    const entries = registry.subcommandsOf(capability);
    const section =
      own ?? sectionsOf([md`*${capability.title}*`, ...entries.map((e) => usageSummary(e, slashCommand))]);
    if (section.length > 0) blocks.push({ type: 'divider' }, ...section);
  }
  blocks.push(context(md`Type ${code(`${slashCommand} help`)} in any channel for the full usage.`));
  return { type: 'home', blocks: blocks.slice(0, MAX_BLOCKS) as View['blocks'] };
}
