import { describe, expect, it } from 'vitest';
import { type Grammar, GrammarError, MAX_TEXT, tokenize } from '../../../../src/platform/grammar/index.js';
import { commands, ops, refusal } from './example-commands.js';

describe('mistakes get a message naming the argument and what it expects', () => {
  it('names a value that does not fit', () => {
    expect(refusal('deploy api 1.4.2x! to production')).toBe(
      '`1.4.2x!` is not a valid version (expected something like `1.4.2`)',
    );
    expect(refusal('deploy api_! 1.4.2 to production')).toBe(
      '`api_!` is not a valid service (expected lowercase letters, digits, `-`, `_` or `.`, such as `api`)',
    );
    expect(refusal('deploy API 1.4.2 to production')).toBe('`API` is not a valid service (names are lowercase: `api`)');
    expect(refusal(`deploy ${'a'.repeat(64)} 1.4.2 to production`)).toMatch(/is too long for a service \(at most 63/);
    expect(refusal('incident declare sev5 "x"')).toBe(
      '`sev5` is not a valid severity (expected one of sev1, sev2, sev3, sev4)',
    );
    expect(refusal('flag rollout checkout 150% in production')).toMatch(/^`150%` is not a valid percent/);
    expect(refusal('flag rollout checkout 25 in production')).toMatch(/^`25` is not a valid percent .*`25%`/);
    expect(refusal('silence api 7200')).toBe(
      '`7200` is not a valid duration (expected a duration such as `2h`, `90m` or `1h30m`)',
    );
    expect(refusal('silence api 0s')).toBe('`0s` is not a valid duration (expected a duration from 1s to 365d)');
    expect(refusal('incident lead @bob')).toMatch(/^`@bob` is not a valid user \(expected a mention such as @bob/);
    expect(refusal('incident lead &lt;@U0BOB&gt;')).toMatch(/^`<@U0BOB>` is not a valid user/);
    expect(refusal('incident declare sev2 ""')).toBe('<title> is empty');
  });

  it('says what is missing, and where', () => {
    expect(refusal('deploy')).toBe('missing <service>');
    expect(refusal('deploy api')).toBe('missing <version>');
    expect(refusal('deploy api to production')).toBe('missing <version> before `to`');
    expect(refusal('deploy api 1.4.2')).toBe('missing to <environment>');
    expect(refusal('deploy api 1.4.2 production')).toBe('missing to <environment> before `production`');
    expect(refusal('deploy api 1.4.2 to')).toBe('missing <environment> after `to`');
    expect(refusal('lock api production')).toBe('missing <reason…>');
    expect(refusal('run force=true')).toBe('missing <runbook> before `force=true`');
  });

  it('points at words that do not belong', () => {
    expect(refusal('deploy api 1.4.2 to production extra')).toBe('unexpected `extra`');
    expect(refusal('deploy api 1.4.2 staging to production')).toBe('unexpected `staging`');
    expect(refusal('deploy api 1.4.2 to production to staging')).toBe('unexpected `to`');
    expect(refusal('rollback api production 1.4.1')).toBe('unexpected `1.4.1`');
    expect(refusal('run restart-api api force')).toBe('unexpected `force` (expected key=value)');
  });

  it('checks key=value pairs', () => {
    expect(refusal('incident declare sev2 "x" servce=api')).toBe(
      '`servce` is not a key of <fields> (did you mean `service`?)',
    );
    expect(refusal('incident declare sev2 "x" colour=red')).toBe(
      '`colour` is not a key of <fields> (expected one of service, commander, summary)',
    );
    expect(refusal('run restart-api api force=true force=false')).toBe('`force` is given twice');
    expect(refusal('run restart-api api Force=true')).toMatch(/^`Force` is not a valid key/);
    expect(refusal('run restart-api api "force=true"')).toBe('unexpected `"force=true"` (expected key=value)');
  });
});

describe('hostile text is refused with a clear message, never a crash', () => {
  it('refuses control characters, NUL included', () => {
    expect(refusal('deploy api\u0000 1.4.2 to production')).toBe(
      'the command contains an invisible or control character (U+0000); retype it without',
    );
    expect(refusal('deploy api \u001b[31m1.4.2 to production')).toMatch(/control character \(U\+001B\)/);
    expect(refusal('deploy api \u0085 1.4.2')).toBe('a command is one line: remove the line break');
  });

  it('refuses text over 4,000 characters, and takes text up to it', () => {
    const reason = (length: number) => `lock api production ${'x'.repeat(length - 'lock api production '.length)}`;
    expect(refusal(reason(MAX_TEXT + 1))).toBe('the command is too long (over 4,000 characters)');
    expect(refusal('x'.repeat(1_000_000))).toBe('the command is too long (over 4,000 characters)');
    expect(ops(reason(MAX_TEXT))).toMatchObject({ service: 'api' });
  });

  it('refuses text-direction marks and invisible characters', () => {
    expect(refusal('deploy api 1.4.2 to prod\u202Euction')).toBe(
      'the command contains a text-direction mark (U+202E), which can disguise what it says',
    );
    for (const mark of ['\u202A', '\u202D', '\u2066', '\u2069', '\u200F']) {
      expect(refusal(`lock api production ${mark}launch`)).toMatch(/text-direction mark/);
    }
    for (const invisible of ['\u200B', '\u200D', '\u2060', '\uFEFF', '\u00AD']) {
      expect(refusal(`deploy a${invisible}pi 1.4.2 to production`)).toMatch(/invisible or control character/);
    }
    expect(refusal('deploy api\uD800 1.4.2 to production')).toMatch(/U\+D800/);
  });

  it('refuses anything that looks like an option: no value starts with `-`', () => {
    expect(refusal('deploy --flag 1.4.2 to production')).toBe(
      '`--flag` is not a valid service: values may not start with `-`',
    );
    expect(refusal('deploy api -1.4.2 to production')).toMatch(/values may not start with `-`/);
    expect(refusal('lock api production --force')).toMatch(/^`--force` is not a valid reason/);
    expect(refusal('incident declare sev2 "-rf"')).toMatch(/^`"-rf"` is not a valid title/);
    expect(refusal('run restart-api api force=--yes')).toBe(
      '`--yes` is not a valid force: values may not start with `-`',
    );
  });

  it('treats $(…) and backticks as characters that fail the typed patterns', () => {
    expect(refusal('deploy api $(rm -rf /) to production')).toBe(
      '`$(rm` is not a valid version (expected something like `1.4.2`)',
    );
    expect(refusal('deploy "$(rm -rf /)" 1.4.2 to production')).toMatch(/^`"\$\(rm -rf \/\)"` is not a valid service/);
    // The backticks cannot close the message's code span.
    expect(refusal('deploy `whoami` 1.4.2 to production')).toBe(
      "`'whoami'` is not a valid service (expected lowercase letters, digits, `-`, `_` or `.`, such as `api`)",
    );
    // Free text keeps them as typed: it is text, never run.
    expect(ops('lock api production $(rm -rf /) `id`')).toMatchObject({ reason: '$(rm -rf /) `id`' });
  });

  it('refuses line breaks, rest-of-line text included: a command is one line', () => {
    for (const text of [
      'deploy api 1.4.2\nto production',
      'deploy api\r\n1.4.2',
      'lock api production a\nb',
      'x\u2028y',
    ]) {
      expect(refusal(text)).toBe('a command is one line: remove the line break');
    }
  });

  it('refuses a quote that is never closed', () => {
    expect(refusal('incident declare sev1 "DB down')).toBe('a quote is never closed: `"DB down`');
    expect(refusal('incident declare sev1 “DB down')).toBe('a quote is never closed: `“DB down`');
    expect(refusal('incident declare sev1 x summary="a b')).toBe('a quote is never closed: `"a b`');
    expect(refusal(`lock api production "${'y'.repeat(100)}`)).toBe(`a quote is never closed: \`"${'y'.repeat(39)}…\``);
  });
});

/** mulberry32: a small seeded generator, so a failing case can be reproduced from its seed. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const FRAGMENTS = [
  ...['deploy', 'api', '1.4.2', 'v2.0.0-rc.1', 'to', 'in', 'for', 'production', '2h', '1h30m', '25%', 'sev2', 'x'],
  ...[' ', ' ', ' ', '\t', '\u00a0', '"', "'", '“', '”', '‘', '’', '=', 'force=', 'title="a b"', '<', '>', '|', '@'],
  ...['<@U0BOB|bob>', '<#C0API|api>', '<!subteam^S0X|@team>', '<!here>', '<https://x.example|a b>', '&lt;', '&amp;'],
  ...['-', '--flag', '$(rm -rf /)', '`', '\\', '\u0000', '\u001b', '\n', '\r', '\u202E', '\u2066', '\u200B', '\uFEFF'],
  ...['é', '部署', '🚀', '\uD800', '\uDC00', '%', '.', '+', '^', '#', 'a'.repeat(70), '9'.repeat(40)],
];

/** Plausible words only: random commands built from these parse often enough to exercise the happy paths too. */
const WORDS = [...FRAGMENTS.slice(0, 13), 'force=true', 'title="a b"', '<@U0BOB|bob>', '<#C0API|api>', 'sev1', '90m'];

/** Every string in a parse result passed the rules no value escapes. */
function checkValues(value: unknown): void {
  if (typeof value === 'string') {
    if (value.startsWith('-') || /[\p{Cc}\p{Cf}\p{Cs}]/u.test(value)) throw new Error(`bad value ${value}`);
  } else if (value && typeof value === 'object') {
    for (const inner of Object.values(value)) checkValues(inner);
  }
}

describe('random text', () => {
  it('gives a result or a GrammarError, never another exception', () => {
    const random = prng(0x0ddba11);
    const grammars: Grammar<unknown>[] = Object.values(commands);
    const outcomes = { parsed: 0, refused: 0 };
    for (let i = 0; i < 3000; i++) {
      const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)]!;
      const plausible = random() < 0.5;
      const pieces: string[] = [];
      const count = Math.floor(random() * (plausible ? 6 : 16));
      for (let j = 0; j < count; j++) {
        if (plausible) pieces.push(pick(WORDS));
        else pieces.push(random() < 0.1 ? String.fromCharCode(Math.floor(random() * 0x3000)) : pick(FRAGMENTS));
      }
      const text = random() < 0.01 ? pieces.join(' ').repeat(400) : pieces.join(plausible || random() < 0.5 ? ' ' : '');
      for (const grammar of grammars) {
        try {
          checkValues(grammar.parse(tokenize(text)));
          outcomes.parsed++;
        } catch (error) {
          // A short message: at most a short piece of the input is quoted back.
          if (!(error instanceof GrammarError) || error.message.length > 200) {
            throw new Error(`case ${i} ${JSON.stringify(text)}: ${error}`);
          }
          outcomes.refused++;
        }
      }
    }
    // The generator reaches both outcomes, so the property is not vacuous.
    expect(outcomes.parsed).toBeGreaterThan(100);
    expect(outcomes.refused).toBeGreaterThan(100);
  });
});
