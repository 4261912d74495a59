import { z } from 'zod';
import { UsageError } from '../errors.js';

/**
 * The `/ops` grammar: the text after the slash command becomes a typed command, or a UsageError that says what was
 * wrong and shows the usage. Each subcommand declares its usage, a one-line summary, how many arguments it takes and a
 * zod schema over them; adding a subcommand means one entry here and one handler in `commands/`.
 */
const helpCommand = z.object({ name: z.literal('help') });
const pingCommand = z.object({ name: z.literal('ping') });
const auditCommand = z.object({
  name: z.literal('audit'),
  limit: z.coerce
    .number({ error: 'n must be a number' })
    .int('n must be a whole number')
    .min(1, 'n must be at least 1')
    .max(50, 'n must be at most 50'),
});

export type OpsCommand = z.infer<typeof helpCommand> | z.infer<typeof pingCommand> | z.infer<typeof auditCommand>;
export type CommandName = OpsCommand['name'];

export interface SubcommandSpec {
  name: CommandName;
  /** Usage without the slash command, e.g. `audit [n]`. */
  usage: string;
  summary: string;
  maxArgs: number;
  schema: z.ZodType<OpsCommand>;
  /** Names the argument tokens for the schema. */
  fields(args: string[]): Record<string, string | undefined>;
}

export const SUBCOMMANDS: readonly SubcommandSpec[] = [
  {
    name: 'help',
    usage: 'help',
    summary: 'List every subcommand with its usage.',
    maxArgs: 0,
    schema: helpCommand,
    fields: () => ({}),
  },
  {
    name: 'ping',
    usage: 'ping',
    summary: 'Check the whole path: a worker answers with its name and the queue latency.',
    maxArgs: 0,
    schema: pingCommand,
    fields: () => ({}),
  },
  {
    name: 'audit',
    usage: 'audit [n]',
    summary: 'Show the latest n audit log entries (default 10, at most 50). Admins only.',
    maxArgs: 1,
    schema: auditCommand,
    fields: ([limit = '10']) => ({ limit }),
  },
];

/** Slack allows about 4,000 characters of command text; anything longer is not a command anyone typed. */
const MAX_TEXT = 4000;

export function usageOf(spec: SubcommandSpec, slashCommand: string): string {
  return `${slashCommand} ${spec.usage}`;
}

export function overview(slashCommand: string): string {
  return SUBCOMMANDS.map((spec) => usageOf(spec, slashCommand)).join('\n');
}

/** Splits on white space; Slack sends the command text as typed (`should_escape` is off). */
export function tokenize(text: string): string[] {
  return text.trim().split(/\s+/).filter(Boolean);
}

/** An empty command is `help`. Throws UsageError for anything the grammar does not accept. */
export function parseCommand(text: string, slashCommand: string): OpsCommand {
  if (text.length > MAX_TEXT) {
    throw new UsageError(`That command is too long (over ${MAX_TEXT} characters).`, overview(slashCommand));
  }
  const [word = 'help', ...args] = tokenize(text);
  const spec = SUBCOMMANDS.find((s) => s.name === word.toLowerCase());
  if (!spec) {
    const shown = word.length > 40 ? `${word.slice(0, 40)}…` : word;
    throw new UsageError(`\`${shown}\` is not an ${slashCommand} subcommand.`, overview(slashCommand));
  }
  const usage = usageOf(spec, slashCommand);
  if (args.length > spec.maxArgs) {
    throw new UsageError(`\`${spec.name}\` takes ${describeArity(spec.maxArgs)}.`, usage);
  }
  const result = spec.schema.safeParse({ name: spec.name, ...spec.fields(args) });
  if (!result.success) throw new UsageError(`${result.error.issues[0]?.message ?? 'Invalid arguments'}.`, usage);
  return result.data;
}

function describeArity(max: number): string {
  return max === 0 ? 'no arguments' : max === 1 ? 'at most one argument' : `at most ${max} arguments`;
}
