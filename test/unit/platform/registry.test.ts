import { describe, expect, it } from 'vitest';
import { defineCapability, subcommand } from '../../../src/platform/capability.js';
import { args, identifier } from '../../../src/platform/grammar/index.js';
import { suggest } from '../../../src/platform/suggest.js';
import { registryOf } from '../../support/registry.js';

const noop = async () => {};
const capability = (name: string, parts: { subcommands?: string[]; actions?: string[]; queues?: string[] }) =>
  defineCapability({
    name,
    title: name,
    uses: [],
    build: () => ({
      subcommands: (parts.subcommands ?? []).map((sub) =>
        subcommand({ name: sub, summary: sub, grammar: args(), changes: false, run: noop }),
      ),
      actions: (parts.actions ?? []).map((actionId) => ({ actionId, changes: false, run: noop })),
    }),
  });

describe('the capability registry', () => {
  it('refuses two capabilities that claim the same subcommand or action, naming both', () => {
    expect(() =>
      registryOf([capability('a', { subcommands: ['deploy'] }), capability('b', { subcommands: ['Deploy'] })]),
    ).toThrow('subcommand deploy is declared by both a and b');
    expect(() => registryOf([capability('a', { actions: ['ok'] }), capability('b', { actions: ['ok'] })])).toThrow(
      'action ok is declared by both a and b',
    );
  });

  it('reserves help for the router', () => {
    expect(() => registryOf([capability('a', { subcommands: ['help me'] })])).toThrow('reserved');
  });

  it('matches the longest subcommand name first', () => {
    const registry = registryOf([capability('incidents', { subcommands: ['incident', 'incident declare'] })]);
    expect(registry.findSubcommand(['incident', 'declare', 'sev1'])).toMatchObject({ consumed: 2 });
    expect(registry.findSubcommand(['incident', 'list'])?.entry.subcommand.name).toBe('incident');
    expect(registry.findSubcommand(['nothing'])).toBeUndefined();
  });

  it('gives a builder exactly the services it declared', () => {
    let seen: string[] = [];
    const probe = defineCapability({
      name: 'probe',
      title: 'Probe',
      uses: ['slashCommand'],
      build: (services) => {
        seen = Object.keys(services);
        return {
          subcommands: [
            subcommand({ name: 'probe', summary: 'p', grammar: args(identifier('x')), changes: false, run: noop }),
          ],
        };
      },
    });
    registryOf([probe]);
    expect(seen).toEqual(['slashCommand']);
  });
});

describe('did you mean', () => {
  it('finds a near miss within a small edit distance, and nothing for a far one', () => {
    expect(suggest('delpoy', ['deploy', 'rollback'])).toBe('deploy');
    expect(suggest('pnig', ['ping', 'audit'])).toBe('ping');
    expect(suggest('rolse', ['roles', 'services'])).toBe('roles');
    expect(suggest('servics', ['roles', 'services'])).toBe('services');
    expect(suggest('frobnicate', ['ping', 'audit'])).toBeUndefined();
  });
});
