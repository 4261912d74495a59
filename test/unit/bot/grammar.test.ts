import { describe, expect, it } from 'vitest';
import { parseCommand, SUBCOMMANDS } from '../../../src/bot/grammar.js';
import { UsageError } from '../../../src/errors.js';

const parse = (text: string) => parseCommand(text, '/ops');

function usageErrorOf(text: string): UsageError {
  try {
    parse(text);
  } catch (error) {
    if (error instanceof UsageError) return error;
    throw error;
  }
  throw new Error(`expected "${text}" to be rejected`);
}

describe('the /ops grammar', () => {
  it('reads an empty command as help', () => {
    expect(parse('')).toEqual({ name: 'help' });
    expect(parse('   ')).toEqual({ name: 'help' });
  });

  it('parses each subcommand into a typed command', () => {
    expect(parse('ping')).toEqual({ name: 'ping' });
    expect(parse('  PING ')).toEqual({ name: 'ping' });
    expect(parse('audit')).toEqual({ name: 'audit', limit: 10 });
    expect(parse('audit 25')).toEqual({ name: 'audit', limit: 25 });
  });

  it('rejects unknown subcommands with the full usage', () => {
    const error = usageErrorOf('deploy-everything now');
    expect(error.message).toContain('deploy-everything');
    for (const spec of SUBCOMMANDS) expect(error.usage).toContain(`/ops ${spec.usage}`);
  });

  it('rejects bad arguments with the subcommand usage', () => {
    expect(usageErrorOf('audit lots').message).toMatch(/number/);
    expect(usageErrorOf('audit 0').message).toMatch(/at least 1/);
    expect(usageErrorOf('audit 51').message).toMatch(/at most 50/);
    expect(usageErrorOf('audit 2.5').message).toMatch(/whole number/);
    expect(usageErrorOf('audit 5 6').usage).toBe('/ops audit [n]');
    expect(usageErrorOf('ping now').message).toMatch(/no arguments/);
  });

  it.each([
    '; rm -rf /',
    '$(reboot)',
    '`id`',
    'ping\u0000',
    '--help',
    'audit --limit=5',
    'audit -1',
    '\u202eping',
    'x'.repeat(10_000),
  ])('never accepts hostile text: %j', (text) => {
    expect(() => parse(text)).toThrow(UsageError);
  });

  it('keeps an echoed unknown word short', () => {
    expect(usageErrorOf('y'.repeat(500)).message.length).toBeLessThan(120);
  });
});
