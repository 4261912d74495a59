import { context, escapeMrkdwn, header, type Message, section, sectionsOf } from '../platform/blocks.js';
import type { RegisteredSubcommand, Registry } from '../platform/registry.js';

/**
 * `/ops help` and the usage lines of errors, derived from the capabilities' declarations: a subcommand's usage is its
 * name plus its grammar's, so help cannot drift from what is parsed.
 */
export function usageLine(entry: RegisteredSubcommand, slashCommand: string): string {
  const usage = entry.subcommand.grammar.usage;
  return `${slashCommand} ${entry.subcommand.name}${usage ? ` ${usage}` : ''}`;
}

/** Every usage line, in declaration order, for errors that do not name a subcommand. */
export function allUsages(registry: Registry, slashCommand: string): string {
  return [`${slashCommand} help [subcommand]`, ...registry.subcommands.map((e) => usageLine(e, slashCommand))].join(
    '\n',
  );
}

/** The overview: subcommands grouped by capability, each with its one-line summary. */
export function helpOverview(registry: Registry, slashCommand: string): Message {
  const groups = registry.capabilities
    .map((capability) => ({ capability, entries: registry.subcommandsOf(capability) }))
    .filter((group) => group.entries.length > 0);
  const blocks = [header('Opsdeck commands')];
  for (const { capability, entries } of groups) {
    const lines = entries.map(
      (e) => `\`${escapeMrkdwn(usageLine(e, slashCommand))}\` — ${escapeMrkdwn(e.subcommand.summary)}`,
    );
    blocks.push(...sectionsOf([`*${escapeMrkdwn(capability.title)}*`, ...lines]));
  }
  blocks.push(
    context(`\`${slashCommand} help <subcommand>\` shows its arguments and an example. Only you can see this.`),
  );
  return { text: `Opsdeck commands:\n${allUsages(registry, slashCommand)}`, blocks: blocks.slice(0, 50) };
}

/** `/ops help deploy`: usage, summary, arguments and an example, for each matching subcommand. */
export function subcommandHelp(entries: readonly RegisteredSubcommand[], slashCommand: string): Message {
  const blocks = [];
  const texts: string[] = [];
  for (const entry of entries) {
    const { subcommand } = entry;
    const usage = usageLine(entry, slashCommand);
    const lines = [`*\`${escapeMrkdwn(usage)}\`*`, escapeMrkdwn(subcommand.summary)];
    for (const arg of subcommand.grammar.args)
      lines.push(`• \`${escapeMrkdwn(arg.name)}\` — ${escapeMrkdwn(arg.description)}`);
    if (subcommand.role) lines.push(`Needs the *${escapeMrkdwn(subcommand.role)}* role.`);
    const example =
      subcommand.example ??
      (subcommand.grammar.example !== undefined ? `${subcommand.name} ${subcommand.grammar.example}` : undefined);
    if (example) lines.push(`Example: \`${escapeMrkdwn(`${slashCommand} ${example}`)}\``);
    blocks.push(section(lines.join('\n')));
    texts.push(usage);
  }
  return { text: texts.join('\n'), blocks: blocks.slice(0, 50) };
}
