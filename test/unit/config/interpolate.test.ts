// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these tests are about ops.yml's ${VAR} syntax.
import { describe, expect, it } from 'vitest';
import { interpolateEnv } from '../../../src/config/interpolate.js';

describe('interpolateEnv', () => {
  it('replaces ${VAR} in strings at any depth and leaves keys and other values alone', () => {
    const tree = { a: 'x-${A}-${B}', list: [{ b: '${A}' }, 3, true, null], '${A}': 'key' };
    const result = interpolateEnv(tree, { A: 'one', B: 'two' });
    expect(result.value).toEqual({ a: 'x-one-two', list: [{ b: 'one' }, 3, true, null], '${A}': 'key' });
    expect(result.problems).toEqual([]);
    expect(result.substituted.sort()).toEqual(['one', 'two']);
  });

  it('does not modify its input', () => {
    const tree = { a: '${A}' };
    interpolateEnv(tree, { A: 'one' });
    expect(tree).toEqual({ a: '${A}' });
  });

  it('reads $${ as a literal ${ and leaves a lone $ alone', () => {
    expect(interpolateEnv({ a: '$${A} costs $5 ${A}' }, { A: 'x' }).value).toEqual({ a: '${A} costs $5 x' });
  });

  it('reports unset and empty variables with their path, leaving the reference in place', () => {
    const result = interpolateEnv({ s: { list: ['ok', 'Bearer ${TOKEN}'] }, e: '${EMPTY}' }, { EMPTY: '' });
    expect(result.value).toEqual({ s: { list: ['ok', 'Bearer ${TOKEN}'] }, e: '${EMPTY}' });
    expect(result.problems).toEqual([
      { path: ['s', 'list', 1], message: 'environment variable TOKEN is not set' },
      { path: ['e'], message: 'environment variable EMPTY is empty' },
    ]);
  });

  it('reports a malformed reference', () => {
    for (const text of ['${', '${1A}', '${A-B}', '${ A }']) {
      const { problems } = interpolateEnv({ a: text }, { A: 'x', '1A': 'x' });
      expect(problems).toHaveLength(1);
      expect(problems[0]!.message).toMatch(/^invalid \$\{…\} reference/);
    }
  });

  it('keeps a __proto__ key as an ordinary key', () => {
    const tree = JSON.parse('{"__proto__": {"polluted": "${A}"}}') as unknown;
    const { value } = interpolateEnv(tree, { A: 'x' });
    expect(Object.keys(value as object)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
