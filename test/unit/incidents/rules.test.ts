// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ops.yml's ${VAR} syntax.
import { describe, expect, it } from 'vitest';
import { parseCatalog } from '../../../src/catalog.js';
import type { ConfigError } from '../../../src/config/errors.js';
import { Refused } from '../../../src/errors.js';
import type { Incident } from '../../../src/incidents/incident.js';
import {
  acknowledge,
  assignRole,
  changeSeverity,
  channelNamesFor,
  declareProblems,
  escalationFor,
  formatElapsed,
  newIncident,
  normaliseSeverity,
  reminderDueAt,
  resolve,
  settingsOf,
  slugOf,
  titleKeyOf,
  topicOf,
  updateStatus,
} from '../../../src/incidents/rules.js';

const KEY = 'R0UT1NGKEY0000000000000000000001';
const catalog = parseCatalog(
  `
incidents:
  severities:
    sev1: { page: true, announce: true, updateEvery: 30m }
    sev2: { announce: true, updateEvery: 1h }
    sev3: {}
  escalation:
    ackWithin: 5m
    levels: [[S0ONCALL], [U0LEAD]]
  pagerduty: { routingKey: "\${PD_KEY}" }
`,
  { PD_KEY: KEY },
).catalog;
const settings = settingsOf(catalog);
const T0 = Date.parse('2026-12-02T06:40:00Z');

function declared(overrides: Partial<Incident> = {}): Incident {
  const { incident } = newIncident(
    { id: '7', title: '  Checkout   returns 500s ', severity: '1', declaredBy: 'U0ALICE' },
    settings,
    T0,
  );
  return { ...incident, ...overrides };
}

function problemsOf(yaml: string, env: Record<string, string> = {}): string[] {
  try {
    parseCatalog(yaml, env);
  } catch (error) {
    return (error as ConfigError).problems.map((p) => p.replace(/ \(line \d+\)$/, ''));
  }
  return [];
}

describe('ops.yml incidents section', () => {
  it('reads severities in order, durations and the PagerDuty key from the environment', () => {
    expect(settings.order).toEqual(['sev1', 'sev2', 'sev3']);
    expect(settings.severities.sev1).toEqual({ page: true, announce: true, updateEvery: 30 * 60_000 });
    expect(settings.severities.sev3).toEqual({ page: false, announce: false });
    expect(settings.escalation).toEqual({ ackWithin: 5 * 60_000, levels: [['S0ONCALL'], ['U0LEAD']] });
    expect(settings.pagerduty).toEqual({ routingKey: KEY, url: 'https://events.pagerduty.com' });
    expect(settings.configured).toBe(true);
  });

  it('defaults to four quiet severities without the section', () => {
    const bare = settingsOf(parseCatalog('roles: {}', {}).catalog);
    expect(bare.configured).toBe(false);
    expect(bare.order).toEqual(['sev1', 'sev2', 'sev3', 'sev4']);
    expect(bare.pagerduty).toBeUndefined();
  });

  it('names the path of what is wrong', () => {
    expect(
      problemsOf(`
incidents:
  severities:
    sev1: { page: yes, updateEvery: soon, pages: true }
  escalation:
    ackWithin: 0s
    levels: [[bob], []]
  pagerduty: { routingKey: "\${PD_KEY}" }
`),
    ).toEqual([
      'incidents.pagerduty.routingKey: environment variable PD_KEY is not set',
      'incidents.severities.sev1.page: Invalid input: expected boolean, received string',
      'incidents.severities.sev1.updateEvery: must be a duration such as 500ms, 2s, 5m or 1h (or a number of ms)',
      'incidents.severities.sev1.pages: unknown key',
      'incidents.escalation.ackWithin: must be at least 1s',
      'incidents.escalation.levels[0][0]: must be a Slack user ID (U…/W…) or user-group ID (S…)',
      'incidents.escalation.levels[1]: must list someone',
    ]);
    expect(problemsOf('incidents:\n  severities: {}\n')).toEqual([
      'incidents.severities: must define at least one severity',
    ]);
    expect(problemsOf('incidents:\n  pagerduty: { routingKey: short }\n')).toEqual([
      'incidents.pagerduty.routingKey: must be a 32-character integration key',
    ]);
  });
});

describe('incident rules', () => {
  it('reads severities as written, by number, or not at all', () => {
    expect(normaliseSeverity(settings, 'SEV2')).toBe('sev2');
    expect(normaliseSeverity(settings, '3')).toBe('sev3');
    expect(normaliseSeverity(settings, '9')).toBeUndefined();
    expect(normaliseSeverity(settings, 'major')).toBeUndefined();
  });

  it('names channels <prefix>-<yyyymmdd>-<slug>, then by the incident’s number, within Slack’s 80 characters', () => {
    expect(channelNamesFor('inc', T0, 'Checkout returns 500s!', '7')).toEqual([
      'inc-20261202-checkout-returns-500s',
      'inc-20261202-7',
    ]);
    expect(slugOf('Ünïcode — only ✨')).toBe('unicode-only');
    expect(slugOf('Платежи не проходят')).toBe('platezhi-ne-prohodyat');
    expect(slugOf('支付失败')).toBe('zhi-fu-shi-bai');
    expect(slugOf('✨✨')).toBeUndefined();
    // Only digits would read as another incident's number.
    expect(slugOf('500 503')).toBeUndefined();
    expect(channelNamesFor('inc', T0, '🔥🔥', '12')).toEqual(['inc-20261202-12']);
    for (const name of channelNamesFor('incident_response', T0, 'x'.repeat(200), '123456789')) {
      expect(name.length).toBeLessThanOrEqual(80);
      expect(name).toMatch(/^[a-z0-9_-]+$/);
    }
    expect(titleKeyOf('  Checkout   RETURNS 500s ')).toBe('checkout returns 500s');
  });

  it('checks a declaration field by field', () => {
    expect(declareProblems({ title: 'ok', severity: 'sev1' }, settings, ['api'])).toEqual({});
    expect(
      declareProblems({ title: ' ', severity: 'sev9', service: 'web', description: 'x'.repeat(3001) }, settings, [
        'api',
      ]),
    ).toEqual({
      title: 'Give the incident a title.',
      severity: 'Pick one of sev1, sev2, sev3.',
      service: 'Not a service in ops.yml.',
      description: 'At most 3000 characters.',
    });
    expect(declareProblems({ title: 'x'.repeat(121), severity: '1' }, settings, []).title).toBe(
      'At most 120 characters.',
    );
  });

  it('declares with the declarer as commander and a tidy title', () => {
    const incident = declared();
    expect(incident).toMatchObject({
      title: 'Checkout   returns 500s',
      titleKey: 'checkout returns 500s',
      severity: 'sev1',
      commander: 'U0ALICE',
      state: 'investigating',
      lastUpdateAt: T0,
    });
    // Slack shows a topic as typed: the commander by name (or id), never `<@U…>`.
    expect(topicOf(incident)).toBe('SEV1 · investigating · commander U0ALICE · Checkout   returns 500s');
    expect(topicOf(incident, (id) => (id === 'U0ALICE' ? 'alice' : undefined))).toBe(
      'SEV1 · investigating · commander alice · Checkout   returns 500s',
    );
  });

  it('acknowledges once; a status update or resolve acknowledges too', () => {
    const { incident, entry } = acknowledge(declared(), 'U0BOB', T0 + 60_000);
    expect(incident.acknowledged).toEqual({ by: 'U0BOB', at: T0 + 60_000 });
    expect(entry).toEqual({ at: T0 + 60_000, by: 'U0BOB', kind: 'acknowledged', text: 'Acknowledged' });
    expect(() => acknowledge(incident, 'U0LEAD', T0)).toThrow(/acknowledged by <@U0BOB> already/);
    const updated = updateStatus(declared(), 'identified', 'bad deploy', 'U0LEAD', T0 + 5000).incident;
    expect(updated).toMatchObject({ state: 'identified', updates: 1, lastUpdateAt: T0 + 5000 });
    expect(updated.acknowledged).toEqual({ by: 'U0LEAD', at: T0 + 5000 });
  });

  it('refuses changes that change nothing, and any change once resolved', () => {
    expect(() => changeSeverity(declared(), 'sev1', 'U0BOB', T0)).toThrow(Refused);
    expect(() => assignRole(declared(), 'commander', 'U0ALICE', 'U0BOB', T0)).toThrow(/commander already/);
    expect(assignRole(declared(), 'comms', 'U0BOB', 'U0ALICE', T0).entry).toMatchObject({
      text: 'Communications',
      people: ['U0BOB'],
    });
    const done = resolve(declared(), 'rolled back', 'U0BOB', T0 + 3_600_000).incident;
    expect(done).toMatchObject({ state: 'resolved', resolved: { by: 'U0BOB', summary: 'rolled back' } });
    expect(() => updateStatus(done, 'monitoring', 'x', 'U0BOB', T0)).toThrow(/resolved already/);
    expect(() => resolve(done, 'again', 'U0BOB', T0)).toThrow(/resolved already/);
  });

  it('reminds updateEvery after the last update, never when resolved or without updateEvery', () => {
    expect(reminderDueAt(declared(), settings)).toBe(T0 + 30 * 60_000);
    const updated = updateStatus(declared(), 'monitoring', 'x', 'U0BOB', T0 + 10_000).incident;
    expect(reminderDueAt(updated, settings)).toBe(T0 + 10_000 + 30 * 60_000);
    expect(reminderDueAt(declared({ severity: 'sev3' }), settings)).toBeUndefined();
    expect(reminderDueAt(declared({ state: 'resolved' }), settings)).toBeUndefined();
  });

  it('escalates level by level every ackWithin until acknowledged, paging once for paging severities', () => {
    expect(escalationFor(declared(), settings, 1)).toEqual({
      dueAt: T0 + 5 * 60_000,
      mention: ['S0ONCALL'],
      page: true,
    });
    expect(escalationFor(declared({ paged: true }), settings, 2)).toEqual({
      dueAt: T0 + 10 * 60_000,
      mention: ['U0LEAD'],
      page: false,
    });
    expect(escalationFor(declared({ paged: true }), settings, 3)).toBeUndefined();
    expect(escalationFor(declared({ severity: 'sev3' }), settings, 1)?.page).toBe(false);
    expect(escalationFor(declared({ acknowledged: { by: 'U0BOB', at: T0 } }), settings, 1)).toBeUndefined();
  });

  it('formats elapsed times in two units at most', () => {
    expect(formatElapsed(0)).toBe('0s');
    expect(formatElapsed(192_000)).toBe('3m 12s');
    expect(formatElapsed(3_720_000)).toBe('1h 2m');
    expect(formatElapsed(3_600_000)).toBe('1h');
    expect(formatElapsed(2 * 86_400_000 + 4 * 3_600_000 + 5000)).toBe('2d 4h');
  });
});
