import type { CommandContext, Subcommand } from '../../platform/capability.js';
import type { FlagsContext } from '../context.js';
import { browseCommands } from './browse.js';
import { changeCommands } from './changes.js';
import { type CommandServices, flagCommandKit, withFlagsRole } from './kit.js';
import { lifecycleCommands } from './lifecycle.js';

/** `/ops flag …`: every command family of the flags capability, in help's order. Roles come from `flags.role`. */
export function flagCommands(
  context: () => FlagsContext,
  services: CommandServices,
  exportFile: (ctx: CommandContext<{ environment?: string }>) => Promise<void>,
): Subcommand<never>[] {
  const kit = flagCommandKit(context, services);
  const browse = browseCommands(kit, exportFile);
  const lifecycle = lifecycleCommands(kit);
  const changes = changeCommands(kit);
  const commands = [
    browse.list,
    browse.card,
    lifecycle.create,
    ...changes.onOff,
    changes.rollout,
    changes.target,
    browse.history,
    lifecycle.archive,
    browse.stale,
    browse.export,
  ];
  return withFlagsRole(commands, context) as unknown as Subcommand<never>[];
}
