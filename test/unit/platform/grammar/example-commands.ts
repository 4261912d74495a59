import {
  args,
  choice,
  duration,
  GrammarError,
  identifier,
  keyword,
  literal,
  optional,
  pairs,
  percent,
  rest,
  text,
  tokenize,
  user,
  version,
} from '../../../../src/platform/grammar/index.js';

/**
 * The commands issue #7 names, declared the way a capability will declare them (the real declarations arrive with
 * each capability), and a stand-in for the router: match the subcommand words, hand the other tokens to the grammar.
 */
export const commands = {
  deploy: args(
    identifier('service', { description: 'The service to deploy', example: 'api' }),
    version('version'),
    keyword('to', identifier('environment', { description: 'Where it goes', example: 'production' })),
  ),
  rollback: args(identifier('service'), identifier('environment'), optional(keyword('to', version('version')))),
  lock: args(
    identifier('service'),
    identifier('environment'),
    optional(keyword('for', duration('duration'))),
    rest('reason', { description: 'Why deploys are held', example: 'deploy freeze for launch' }),
  ),
  'flag rollout': args(identifier('flag'), percent('percent'), keyword('in', identifier('environment'))),
  'incident declare': args(
    choice('severity', ['sev1', 'sev2', 'sev3', 'sev4']),
    text('title'),
    pairs('fields', { keys: ['service', 'commander', 'summary'] }),
  ),
  'incident lead': args(user('user')),
  run: args(identifier('runbook'), identifier('target'), pairs('params')),
  silence: args(identifier('service'), duration('duration')),
};

export type CommandName = keyof typeof commands;

/** Longest subcommand first, so `incident declare` wins over a shorter match. */
const names = (Object.keys(commands) as CommandName[]).sort((a, b) => b.split(' ').length - a.split(' ').length);

/** What the router will do with `/ops <text>`: the parsed arguments of the subcommand the text starts with. */
export function ops(textTyped: string): unknown {
  const tokens = tokenize(textTyped);
  for (const name of names) {
    const words = name.split(' ');
    if (words.every((word, index) => literal(tokens[index]) === word))
      return commands[name].parse(tokens.slice(words.length));
  }
  throw new Error(`no subcommand in ${textTyped}`);
}

/** The GrammarError message `/ops <text>` gives; fails the test when the text parses or something else is thrown. */
export function refusal(textTyped: string): string {
  try {
    ops(textTyped);
  } catch (error) {
    if (error instanceof GrammarError) return error.message;
    throw error;
  }
  throw new Error(`expected "${textTyped}" to be refused`);
}
