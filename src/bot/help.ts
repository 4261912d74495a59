import { context, header, type Message, message, section, sectionsOf } from '../platform/blocks.js';
import { code, join, type Mrkdwn, md } from '../platform/mrkdwn.js';
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
    blocks.push(...sectionsOf([md`*${capability.title}*`, ...entries.map((e) => usageSummary(e, slashCommand))]));
  }
  blocks.push(
    context(
      md`${code(`${slashCommand} help <subcommand>`)} shows its arguments and an example. Only you can see this.`,
    ),
  );
  return message(md`Opsdeck commands:\n${allUsages(registry, slashCommand)}`, blocks.slice(0, 50));
}

/** A subcommand's usage and summary on one line, as help and Home list them. */
export function usageSummary(entry: RegisteredSubcommand, slashCommand: string): Mrkdwn {
  return md`${code(usageLine(entry, slashCommand))} — ${entry.subcommand.summary}`;
}

/** `/ops help deploy`: usage, summary, arguments and an example, for each matching subcommand. */
export function subcommandHelp(entries: readonly RegisteredSubcommand[], slashCommand: string): Message {
  const blocks = [];
  const texts: string[] = [];
  for (const entry of entries) {
    const { subcommand } = entry;
    const usage = usageLine(entry, slashCommand);
    const lines = [md`*${code(usage)}*`, md`${subcommand.summary}`];
    for (const arg of subcommand.grammar.args) lines.push(md`• ${code(arg.name)} — ${arg.description}`);
    if (subcommand.role) lines.push(md`Needs the *${subcommand.role}* role.`);
    const example =
      subcommand.example ??
      (subcommand.grammar.example !== undefined ? `${subcommand.name} ${subcommand.grammar.example}` : undefined);
    if (example) lines.push(md`Example: ${code(`${slashCommand} ${example}`)}`);
    blocks.push(section(join(lines, md`\n`)));
    texts.push(usage);
  }
  return message(md`${texts.join('\n')}`, blocks.slice(0, 50));
}
