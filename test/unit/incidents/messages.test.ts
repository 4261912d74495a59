import { describe, expect, it } from 'vitest';
import { parseCatalog } from '../../../src/catalog.js';
import type { Incident, TimelineEntry } from '../../../src/incidents/incident.js';
import {
  announceMessage,
  cardMessage,
  declareModal,
  escalationMessage,
  incidentsHome,
  listMessage,
  postmortemMessage,
  reminderMessage,
  resolveModal,
  roleModal,
  severityModal,
  statusModal,
  timelineMessage,
} from '../../../src/incidents/messages.js';
import {
  deploysBefore,
  peopleOf,
  postmortemMarkdown,
  WHAT_CHANGED_WINDOW_MS,
} from '../../../src/incidents/postmortem.js';
import { acknowledge, newIncident, resolve, settingsOf } from '../../../src/incidents/rules.js';
import { checkBlocks, checkMessageText, checkView } from '../../../src/workspace/web-api/block-rules.js';

const settings = settingsOf(parseCatalog('roles: {}', {}).catalog);
const T0 = Date.parse('2026-12-02T06:40:00Z');
const huge = 'ä<&>'.repeat(2000);

function incident(overrides: Partial<Incident> = {}): Incident {
  const { incident: fresh } = newIncident(
    { id: '12', title: 'Checkout returns 500s', severity: 'sev1', declaredBy: 'U0ALICE', service: 'api' },
    settings,
    T0,
  );
  return { ...fresh, channel: 'C0INC', ...overrides };
}

const entries = (n: number): TimelineEntry[] =>
  Array.from({ length: n }, (_, i) => ({
    at: T0 + i * 1000,
    by: 'U0BOB',
    kind: 'note' as const,
    text: `note ${i} ${huge.slice(0, 200)}`,
  }));

/** Slack's limits as the Slack-compatible server enforces them. */
function valid(message: { text: string; blocks: unknown[] }) {
  expect(checkMessageText(message.text)).toBeNull();
  expect(checkBlocks(message.blocks, 'message')).toBeNull();
}

describe('incident messages', () => {
  it('the card has the buttons of an open incident, and none once resolved', () => {
    const open = cardMessage(incident());
    valid(open);
    const ids = JSON.stringify(open.blocks).match(/"action_id":"[^"]+"/g);
    expect(ids).toEqual([
      '"action_id":"incidents:ack"',
      '"action_id":"incidents:status"',
      '"action_id":"incidents:severity"',
      '"action_id":"incidents:role"',
      '"action_id":"incidents:resolve"',
    ]);
    const acked = acknowledge(incident(), 'U0BOB', T0 + 90_000).incident;
    expect(JSON.stringify(cardMessage(acked).blocks)).not.toContain('incidents:ack');
    expect(JSON.stringify(cardMessage(acked).blocks)).toContain('<@U0BOB> after 1m 30s');
    const done = resolve(acked, 'rolled back', 'U0BOB', T0 + 3_600_000).incident;
    expect(JSON.stringify(cardMessage(done).blocks)).not.toContain('action_id');
    expect(cardMessage(done).text).toContain('resolved');
  });

  it('stays within Block Kit limits with the longest inputs', () => {
    const long = incident({
      title: 'T'.repeat(120),
      description: huge,
      alertGroups: [{ id: 'a'.repeat(20), title: huge }],
    });
    const resolved = resolve(long, huge, 'U0BOB', T0 + 1000).incident;
    for (const message of [
      cardMessage(long),
      cardMessage(resolved),
      announceMessage(long),
      listMessage(Array.from({ length: 200 }, (_, i) => incident({ id: String(i), title: huge.slice(0, 120) }))),
      listMessage([]),
      timelineMessage(long, entries(500)),
      reminderMessage(long, 3_600_000),
      escalationMessage(long, 2, ['S0ONCALL', 'U0LEAD'], true, T0 + 600_000),
      postmortemMessage(long, postmortemMarkdown(resolved, entries(500), { deploys: [] })),
    ]) {
      valid(message);
    }
    expect(checkBlocks(incidentsHome([long], '/ops'), 'home')).toBeNull();
  });

  it('the modals are valid views, with the form prefilled', () => {
    const declare = declareModal({
      severities: ['sev1', 'sev2'],
      services: ['api', 'web'],
      prefill: { title: 'Disk full', severity: 'sev2', service: 'web', description: huge, commander: 'U0BOB' },
      metadata: '{"group":"abc"}',
    });
    expect(checkView(declare, 'modal')).toBeNull();
    const shown = JSON.stringify(declare);
    expect(shown).toContain('"initial_value":"Disk full"');
    expect(shown).toContain('"initial_user":"U0BOB"');
    expect(shown).toContain('"initial_option":{"text":{"type":"plain_text","text":"web","emoji":true},"value":"web"}');
    // Without services there is no service field (a select needs options).
    const bare = declareModal({ severities: ['sev1'], services: [], prefill: { commander: 'U0BOB' }, metadata: '{}' });
    expect(checkView(bare, 'modal')).toBeNull();
    expect(JSON.stringify(bare)).not.toContain('"block_id":"service"');
    for (const view of [
      statusModal(incident()),
      severityModal(incident(), ['sev1', 'sev2']),
      roleModal(incident()),
      resolveModal(incident()),
    ]) {
      expect(checkView(view, 'modal')).toBeNull();
      expect(view.private_metadata).toBe('12');
    }
  });
});

describe('postmortem', () => {
  const deploy = (id: string, at: number) => ({
    id,
    service: 'api',
    environment: 'production',
    version: `1.4.${id}`,
    kind: 'deploy',
    status: 'succeeded',
    requester: 'U0ALICE',
    at,
  });

  it('keeps the deploys of the two hours before the incident started, newest first', () => {
    const found = deploysBefore(
      [
        deploy('1', T0 - WHAT_CHANGED_WINDOW_MS - 1),
        deploy('2', T0 - 3_600_000),
        deploy('3', T0 - 60_000),
        deploy('4', T0 + 1),
      ],
      T0,
    );
    expect(found.map((d) => d.id)).toEqual(['3', '2']);
  });

  it('has every section, the timeline with times, response times and what changed', () => {
    const acked = acknowledge(
      incident({ comms: 'U0LEAD', alertGroups: [{ id: 'f00d', title: 'Disk full' }] }),
      'U0BOB',
      T0 + 192_000,
    ).incident;
    const done = resolve(acked, 'Rolled back <@U0BOB|bob>’s deploy', 'U0BOB', T0 + 3_720_000).incident;
    const timeline: TimelineEntry[] = [
      { at: T0, by: 'U0ALICE', kind: 'declared', text: 'Declared sev1: Checkout returns 500s' },
      { at: T0 + 192_000, by: 'U0BOB', kind: 'acknowledged', text: 'Acknowledged' },
      { at: T0 + 300_000, kind: 'escalated', text: 'Escalated (level 1), paged PagerDuty' },
    ];
    const markdown = postmortemMarkdown(done, timeline, { deploys: [deploy('9', T0 - 600_000)] });
    for (const expected of [
      '# Postmortem: Checkout returns 500s (incident #12)',
      '## Summary\n\nRolled back @bob’s deploy',
      '- Service: api',
      '## Severity\n\nSEV1',
      '- Commander: @U0ALICE',
      '- Communications: @U0LEAD',
      '- 2026-12-02 06:40:00 UTC — Declared sev1: Checkout returns 500s (@U0ALICE)',
      '- 2026-12-02 06:45:00 UTC — Escalated (level 1), paged PagerDuty\n',
      '- Time to acknowledge: 3m 12s',
      '- Time to resolve: 1h 2m',
      '- Disk full (group `f00d`)',
      '- 2026-12-02 06:30:00 UTC — deploy #9 of api 1.4.9 to production: succeeded (@U0ALICE)',
      'No flag changes are recorded',
    ]) {
      expect(markdown).toContain(expected);
    }
    expect(postmortemMarkdown(incident(), [], { deploys: [], flags: [] })).toContain('No deploys recorded.');
  });

  it('names people and groups where Slack knows them, and asks for every id it shows', () => {
    const timeline: TimelineEntry[] = [
      { at: T0, by: 'U0ALICE', kind: 'declared', text: 'Declared sev1: Checkout returns 500s' },
      { at: T0 + 1000, kind: 'escalated', text: 'Escalated (level 2)', people: ['S0LEADS'] },
      { at: T0 + 2000, by: 'U0BOB', kind: 'note', text: 'Note', quote: 'Asked <!subteam^S0LEADS> and <@U0LEAD>' },
    ];
    const names: Record<string, string> = { U0ALICE: 'alice', U0BOB: 'bob', S0LEADS: 'leads' };
    const changed = { deploys: [deploy('9', T0 - 600_000)] };
    expect(peopleOf(incident(), timeline, changed)).toEqual(
      expect.arrayContaining(['U0ALICE', 'U0BOB', 'S0LEADS', 'U0LEAD']),
    );
    const markdown = postmortemMarkdown(incident(), timeline, changed, (id) => names[id]);
    for (const expected of [
      '- Commander: @alice',
      'Declared sev1: Checkout returns 500s (@alice)',
      'Escalated (level 2): @leads',
      'Note: Asked @leads and @U0LEAD (@bob)',
      'succeeded (@alice)',
    ]) {
      expect(markdown).toContain(expected);
    }
  });
});
