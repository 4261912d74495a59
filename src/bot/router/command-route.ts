import type { RespondFn } from '@slack/bolt';
import { referenceId, UsageError } from '../../errors.js';
import type { Message } from '../../platform/blocks.js';
import { GrammarError, literal, type Token, tokenize } from '../../platform/grammar/index.js';
import type { RegisteredSubcommand } from '../../platform/registry.js';
import { suggest } from '../../platform/suggest.js';
import { cut } from '../../platform/text.js';
import { allUsages, helpOverview, subcommandHelp, usageLine } from '../help.js';
import { runGuarded } from './guard.js';
import { failureMessage, usageMessage } from './replies.js';
import type { RouterDeps } from './router-deps.js';
import type { Routes } from './routes.js';
import { Turns } from './turns.js';

/** At most this many commands past parsing at once. */
const COMMANDS_AT_ONCE = 8;

type Resolved = { kind: 'help'; message: Message } | { kind: 'run'; entry: RegisteredSubcommand; args: unknown };

/**
 * The slash command: text → a declared subcommand with typed arguments → dedupe on trigger_id → permission check →
 * handler → audit. Help runs here (it reads the declarations); every failure becomes an ephemeral message.
 */
export function registerCommandRoute(routes: Routes, deps: RouterDeps): void {
  const firstSeen = deps.firstSeen('command');
  const log = deps.logger.child({ module: 'bot.router' });
  // A burst of commands is worked through a few at a time (see Turns).
  const turns = new Turns(COMMANDS_AT_ONCE);
  routes.command(deps.slashCommand, async ({ command: payload, ack, respond }) => {
    const reply = replier(ack, respond);
    let label = 'unknown';
    let holding = false;
    try {
      const resolved = resolve(payload.text ?? '', deps, (name) => {
        label = name;
      });
      if (resolved.kind === 'help') {
        deps.metrics.commands.inc({ command: 'help', outcome: 'ok' });
        await reply.send(resolved.message);
        return;
      }
      const { entry, args } = resolved;
      await turns.take();
      holding = true;
      // Every subcommand but help runs once per trigger_id: a replayed or retried request changes nothing.
      if (!(await firstSeen(payload.trigger_id))) {
        deps.metrics.commands.inc({ command: label, outcome: 'replayed' });
        await reply.ackNow();
        return;
      }
      // A role check may ask Slack for user-group members: acknowledge first so Slack's 3 s never run out.
      if (entry.subcommand.role) await reply.ackNow();
      const result = await runGuarded(
        deps,
        {
          capability: entry.capability,
          surface: 'command',
          name: entry.subcommand.name,
          guard: entry.subcommand,
          userId: payload.user_id,
          target: entry.subcommand.auditTarget?.(args, { channelId: payload.channel_id }) ?? entry.subcommand.name,
          what: `running ${deps.slashCommand} ${entry.subcommand.name}`,
        },
        () =>
          entry.subcommand.run({
            args,
            userId: payload.user_id,
            channelId: payload.channel_id,
            triggerId: payload.trigger_id,
            responseUrl: payload.response_url,
            reply: reply.send,
            ackNow: reply.ackNow,
          }),
      );
      deps.metrics.commands.inc({ command: label, outcome: result.outcome });
      if (result.outcome !== 'ok') await reply.send(result.message);
      else await reply.ackNow();
    } catch (error) {
      if (error instanceof UsageError) {
        deps.metrics.commands.inc({ command: label, outcome: 'usage_error' });
        await reply.send(usageMessage(error));
        return;
      }
      // Outside a handler: Redis refusing the dedupe write while it is away, for one. The user hears of it at once.
      const reference = referenceId();
      log.error({ reference, command: label, err: { message: (error as Error).message } }, 'command failed');
      deps.metrics.commands.inc({ command: label, outcome: 'error' });
      await reply.send(failureMessage(`running ${deps.slashCommand} ${label}`, reference)).catch(() => {});
    } finally {
      if (holding) turns.give();
    }
  });
}

/** The overview depends on the declarations alone, which never change while the process runs: build it once. */
const overviews = new WeakMap<RouterDeps['registry'], Message>();
function overviewOf(deps: RouterDeps): Message {
  let message = overviews.get(deps.registry);
  if (!message) {
    message = helpOverview(deps.registry, deps.slashCommand);
    overviews.set(deps.registry, message);
  }
  return message;
}

/** Slack allows about 4,000 characters of command text; the tokenizer refuses more. */
function resolve(text: string, deps: RouterDeps, named: (label: string) => void): Resolved {
  const slash = deps.slashCommand;
  let tokens: Token[];
  try {
    tokens = tokenize(text);
  } catch (error) {
    if (error instanceof GrammarError) throw new UsageError(sentence(error.message), allUsages(deps.registry, slash));
    throw error;
  }
  const words = leadingWords(tokens);
  if (tokens.length === 0) return { kind: 'help', message: overviewOf(deps) };
  if (words[0]?.toLowerCase() === 'help') {
    named('help');
    const topic = tokens.slice(1).map((t) => t.text);
    if (topic.length === 0) return { kind: 'help', message: overviewOf(deps) };
    const exact = deps.registry.findSubcommand(topic);
    const entries = exact ? [exact.entry] : deps.registry.subcommandsFor(topic[0]!);
    if (entries.length === 0) throw unknownSubcommand(topic.join(' '), deps);
    return { kind: 'help', message: subcommandHelp(entries, slash) };
  }
  const found = deps.registry.findSubcommand(words);
  if (!found) throw unknownSubcommand(tokens[0]!.text, deps);
  const { entry, consumed } = found;
  named(entry.subcommand.name);
  try {
    return { kind: 'run', entry, args: entry.subcommand.grammar.parse(tokens.slice(consumed)) };
  } catch (error) {
    if (error instanceof GrammarError) throw new UsageError(sentence(error.message), usageLine(entry, slash));
    throw error;
  }
}

/** "`frobnicate` is not an /ops subcommand. Did you mean `ping`?" */
function unknownSubcommand(word: string, deps: RouterDeps): UsageError {
  const shown = word.length > 40 ? `${cut(word, 40)}…` : word;
  const names = new Set(deps.registry.subcommands.flatMap((s) => [s.words[0]!, s.subcommand.name]));
  const guess = suggest(word, names);
  if (!guess) {
    return new UsageError(
      `\`${shown}\` is not an ${deps.slashCommand} subcommand.`,
      allUsages(deps.registry, deps.slashCommand),
    );
  }
  // A near miss needs the usage of what was meant, not all of them: the full list buried the hint.
  const words = guess.split(' ');
  const exact = deps.registry.findSubcommand(words);
  const meant = (exact ? [exact.entry] : deps.registry.subcommandsFor(words[0]!)).map((entry) =>
    usageLine(entry, deps.slashCommand),
  );
  return new UsageError(
    `\`${shown}\` is not an ${deps.slashCommand} subcommand. Did you mean \`${guess}\`?`,
    [...meant, `${deps.slashCommand} help [subcommand]`].join('\n'),
  );
}

/** The leading plain words a subcommand name can match (a quoted word or a mention never names a subcommand). */
function leadingWords(tokens: readonly Token[]): string[] {
  const words: string[] = [];
  for (const token of tokens) {
    const word = literal(token);
    if (word === undefined) break;
    words.push(word);
  }
  return words;
}

/** The grammar's messages are phrases ("missing <environment>"); a reply is a sentence. */
function sentence(message: string): string {
  const capitalised = message.charAt(0).toUpperCase() + message.slice(1);
  return /[.!?]$/.test(capitalised) ? capitalised : `${capitalised}.`;
}

/**
 * Slack shows the user an error for a command not acknowledged within 3 s (and Bolt answers 404 for it), and a later
 * ack goes nowhere. A handler still waiting then — on a Redis connection riding out a failover, for one, whose
 * in-flight command is resent after the reconnect — is acknowledged empty at this point: its answer follows through
 * the response_url instead of being lost.
 */
const COMMAND_ACK_DEADLINE_MS = 2500;

/** Ephemeral replies: the first one is the ack itself (no extra HTTP call), later ones go to the response_url. */
function replier(ack: (response?: Record<string, unknown>) => Promise<void>, respond: RespondFn) {
  let acked = false;
  const deadline = setTimeout(() => {
    reply.ackNow().catch(() => {});
  }, COMMAND_ACK_DEADLINE_MS);
  const reply = {
    async ackNow() {
      if (acked) return;
      acked = true;
      clearTimeout(deadline);
      await ack();
    },
    async send(message: Message) {
      if (!acked) {
        acked = true;
        clearTimeout(deadline);
        await ack({ ...message, response_type: 'ephemeral' });
      } else {
        await respond({ ...message, response_type: 'ephemeral' } as Parameters<RespondFn>[0]);
      }
    },
  };
  return reply;
}
