import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  args,
  channel,
  duration,
  type Grammar,
  identifier,
  integer,
  keyword,
  optional,
  rest,
  tokenize,
  word,
} from '../../../../src/platform/grammar/index.js';
import { commands, ops, refusal } from './example-commands.js';

describe('commands read as written', () => {
  it('deploy api 1.4.2 to production', () => {
    expect(ops('deploy api 1.4.2 to production')).toEqual({
      service: 'api',
      version: '1.4.2',
      environment: 'production',
    });
  });

  it('rollback api production to 1.4.1, the version optional', () => {
    expect(ops('rollback api production to 1.4.1')).toEqual({
      service: 'api',
      environment: 'production',
      version: '1.4.1',
    });
    expect(ops('rollback api production')).toEqual({ service: 'api', environment: 'production' });
  });

  it('lock api production deploy freeze for launch: `for launch` is reason text, not a duration', () => {
    expect(ops('lock api production deploy freeze for launch')).toEqual({
      service: 'api',
      environment: 'production',
      reason: 'deploy freeze for launch',
    });
    expect(ops('lock api production for launch')).toEqual({
      service: 'api',
      environment: 'production',
      reason: 'for launch',
    });
  });

  it('lock with `for <duration>` before or after the reason', () => {
    const expected = { service: 'api', environment: 'production', duration: 7_200_000, reason: 'deploy freeze' };
    expect(ops('lock api production for 2h deploy freeze')).toEqual(expected);
    expect(ops('lock api production deploy freeze for 2h')).toEqual(expected);
    expect(refusal('lock api production for 2h')).toBe('missing <reason…>');
  });

  it('flag rollout checkout 25% in production', () => {
    expect(ops('flag rollout checkout 25% in production')).toEqual({
      flag: 'checkout',
      percent: 25,
      environment: 'production',
    });
  });

  it('incident declare sev2 "Checkout errors" service=api', () => {
    expect(ops('incident declare sev2 "Checkout errors" service=api')).toEqual({
      severity: 'sev2',
      title: 'Checkout errors',
      fields: { service: 'api' },
    });
    expect(ops('incident declare SEV2 "Checkout errors"')).toEqual({
      severity: 'sev2',
      title: 'Checkout errors',
      fields: {},
    });
  });

  it('incident declare with curly quotes, as Slack clients send them', () => {
    expect(ops('incident declare sev1 “DB down”')).toEqual({ severity: 'sev1', title: 'DB down', fields: {} });
    expect(ops('incident declare sev1 ‘DB down’ summary=“primary lost its disk”')).toEqual({
      severity: 'sev1',
      title: 'DB down',
      fields: { summary: 'primary lost its disk' },
    });
  });

  it('incident lead <@U0BOB|bob>', () => {
    expect(ops('incident lead <@U0BOB|bob>')).toEqual({ user: 'U0BOB' });
    expect(ops('incident lead <@U0BOB>')).toEqual({ user: 'U0BOB' });
  });

  it('run restart-api api force=true', () => {
    expect(ops('run restart-api api force=true')).toEqual({
      runbook: 'restart-api',
      target: 'api',
      params: { force: 'true' },
    });
  });

  it('silence api 2h', () => {
    expect(ops('silence api 2h')).toEqual({ service: 'api', duration: 7_200_000 });
    expect(ops('silence api 1h30m')).toEqual({ service: 'api', duration: 5_400_000 });
  });

  it('reads keywords whatever their case, and only unquoted', () => {
    expect(ops('deploy api v2.0.0-rc.1 TO production')).toMatchObject({ version: 'v2.0.0-rc.1' });
    expect(refusal('deploy api 1.4.2 "to" production')).toBe('missing to <environment> before `"to"`');
  });
});

describe('parts', () => {
  const parse = <T>(grammar: Grammar<T>, text: string) => grammar.parse(tokenize(text));

  it('reads keywords in any order', () => {
    const promote = args(
      identifier('service'),
      keyword('from', identifier('source')),
      keyword('to', identifier('target')),
    );
    const expected = { service: 'api', source: 'staging', target: 'production' };
    expect(parse(promote, 'api from staging to production')).toEqual(expected);
    expect(parse(promote, 'api to production from staging')).toEqual(expected);
    expect(promote.usage).toBe('<service> from <source> to <target>');
  });

  it('hands an optional value that does not read to the rest of the line', () => {
    const note = args(identifier('service'), optional(duration('duration')), rest('note'));
    expect(parse(note, 'api 2h cache warming')).toEqual({ service: 'api', duration: 7_200_000, note: 'cache warming' });
    expect(parse(note, 'api cache warming')).toEqual({ service: 'api', note: 'cache warming' });
    // Without a rest to take them, the words are a mistake and say so.
    const strict = args(identifier('service'), optional(duration('duration')));
    expect(() => parse(strict, 'api soon')).toThrow('`soon` is not a valid duration (expected a duration');
  });

  it('reads channels, patterned words and quoted pair values', () => {
    const post = args(
      channel('channel'),
      word('ticket', { pattern: /[A-Z]+-\d+/, expected: 'a ticket such as `OPS-12`' }),
    );
    expect(parse(post, '<#C0API|api> OPS-12')).toEqual({ channel: 'C0API', ticket: 'OPS-12' });
    expect(parse(post, '<#C0API> OPS-12')).toEqual({ channel: 'C0API', ticket: 'OPS-12' });
    expect(() => parse(post, '#api OPS-12')).toThrow(/^`#api` is not a valid channel/);
    expect(() => parse(post, '<#C0API> OPS-12x')).toThrow(
      '`OPS-12x` is not a valid ticket (expected a ticket such as `OPS-12`)',
    );
    expect(ops('run notify api message="deploy done" to=“#ops”')).toEqual({
      runbook: 'notify',
      target: 'api',
      params: { message: 'deploy done', to: '#ops' },
    });
  });

  it('keeps mentions and quotes in rest-of-line text as typed', () => {
    expect(ops('lock api production waiting on <@U0BOB|bob>, "launch" & co')).toMatchObject({
      reason: 'waiting on <@U0BOB|bob>, "launch" & co',
    });
  });
});

describe('usage and help come from the declaration', () => {
  it('renders each usage line', () => {
    expect(commands.deploy.usage).toBe('<service> <version> to <environment>');
    expect(commands.rollback.usage).toBe('<service> <environment> [to <version>]');
    expect(commands.lock.usage).toBe('<service> <environment> [for <duration>] <reason…>');
    expect(commands['incident declare'].usage).toBe('<severity> <title> [key=value…]');
    expect(commands['incident lead'].usage).toBe('<user>');
    expect(args().usage).toBe('');
  });

  it('lists the arguments with what each expects, and an example when every required part has one', () => {
    expect(commands.deploy.args).toEqual([
      {
        name: 'service',
        usage: '<service>',
        description: 'The service to deploy (lowercase letters, digits, `-`, `_` or `.`, such as `api`)',
        example: 'api',
      },
      { name: 'version', usage: '<version>', description: 'Something like `1.4.2`', example: '1.4.2' },
      {
        name: 'environment',
        usage: 'to <environment>',
        description: 'Where it goes (lowercase letters, digits, `-`, `_` or `.`, such as `api`)',
        example: 'production',
      },
    ]);
    expect(commands.deploy.example).toBe('api 1.4.2 to production');
    expect(commands.rollback.example).toBeUndefined();
  });

  it('the example parses with its own grammar', () => {
    const example = commands.deploy.example ?? '';
    expect(commands.deploy.parse(tokenize(example))).toEqual({
      service: 'api',
      version: '1.4.2',
      environment: 'production',
    });
  });

  it('refuses a declaration that could not be read unambiguously, at start-up', () => {
    expect(() => args(optional(identifier('a')), identifier('b'))).toThrow(/cannot follow an optional/);
    expect(() => args(rest('why'), identifier('a'))).toThrow(/positional values, then keywords/);
    expect(() => args(identifier('a'), identifier('a'))).toThrow(/declared twice/);
    expect(() => keyword('To', identifier('a'))).toThrow(/lowercase/);
  });
});

describe('the result type is inferred from the declaration', () => {
  it('types required, optional and defaulted parts', () => {
    expectTypeOf(commands.deploy.parse).returns.toEqualTypeOf<{
      service: string;
      version: string;
      environment: string;
    }>();
    expectTypeOf(commands.rollback.parse).returns.toEqualTypeOf<{
      service: string;
      environment: string;
      version?: string;
    }>();
    expectTypeOf(commands['incident declare'].parse).returns.toEqualTypeOf<{
      severity: 'sev1' | 'sev2' | 'sev3' | 'sev4';
      title: string;
      fields: Partial<Record<'service' | 'commander' | 'summary', string>>;
    }>();
    expectTypeOf(commands.run.parse).returns.toEqualTypeOf<{
      runbook: string;
      target: string;
      params: Record<string, string>;
    }>();

    const audit = args(optional(integer('n', { min: 1, max: 50 }), 10));
    expectTypeOf(audit.parse).returns.toEqualTypeOf<{ n: number }>();
    expect(audit.parse([])).toEqual({ n: 10 });
    expect(audit.parse(tokenize('25'))).toEqual({ n: 25 });

    const lead = commands['incident lead'].parse(tokenize('<@U0BOB|bob>'));
    // @ts-expect-error: `incident lead` declares no `reason`
    expect(lead.reason).toBeUndefined();
    // @ts-expect-error: a default must be of the part's type
    optional(integer('n'), 'ten');
  });
});
