import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { groupMessage, openGroupsMessage } from '../../../src/alerts/messages.js';
import {
  ALERT_CAPS,
  type AlertGroup,
  alertmanagerLink,
  applyBatch,
  batchFromAlertmanager,
  batchFromCheck,
  batchFromGeneric,
  counts,
  FLAP_WINDOW_MS,
  mayLead,
  normaliseAlert,
  routeFor,
  SAMPLE_SIZE,
  serviceOf,
  silenceMatchers,
  withRelated,
} from '../../../src/alerts/rules.js';
import { AlertmanagerWebhookSchema } from '../../../src/alerts/schemas.js';
import { parseCatalog } from '../../../src/catalog.js';
import { checkBlocks } from '../../../src/workspace/web-api/block-rules.js';

/** applyBatch for a batch that is kept (it is undefined only for a resolved-only first delivery). */
function apply(...args: Parameters<typeof applyBatch>) {
  const applied = applyBatch(...args);
  if (!applied) throw new Error('the batch was not kept');
  return applied;
}

const { catalog } = parseCatalog(
  `
slack: { alertsChannel: C0ALERTS }
services:
  api: { channel: C0API }
  web: {}
alerts:
  alertmanagerUrl: http://127.0.0.1:9093
  routes:
    - match: { severity: critical, team: core }
      channel: C0ONCALL
      mention: [S0ONCALL]
    - match: { severity: critical }
      channel: C0CRIT
`,
  {},
);

const firingBody = AlertmanagerWebhookSchema.parse(
  JSON.parse(readFileSync('test/fixtures/alertmanager/firing.json', 'utf8')),
);
const route = { channel: 'C0ALERTS', mention: ['S0ONCALL'] };
const T0 = Date.UTC(2026, 0, 1);

function resolvedOf(body: typeof firingBody) {
  return {
    ...body,
    status: 'resolved' as const,
    alerts: body.alerts.map((a) => ({ ...a, status: 'resolved' as const })),
  };
}

describe('routing', () => {
  it('takes the first route whose labels all match', () => {
    expect(routeFor({ severity: 'critical', team: 'core' }, catalog)).toEqual({
      channel: 'C0ONCALL',
      mention: ['S0ONCALL'],
    });
    expect(routeFor({ severity: 'critical', team: 'edge' }, catalog)).toEqual({ channel: 'C0CRIT', mention: [] });
  });
  it("falls back to the service's channel, then slack.alertsChannel", () => {
    expect(routeFor({ service: 'api' }, catalog)).toEqual({ channel: 'C0API', mention: [] });
    expect(routeFor({ service: 'web' }, catalog)).toEqual({ channel: 'C0ALERTS', mention: [] });
    expect(routeFor({}, catalog)).toEqual({ channel: 'C0ALERTS', mention: [] });
  });
});

describe('grouping and dedupe', () => {
  const batch = batchFromAlertmanager('alertmanager', firingBody, T0);

  /** The fixture's group fired at T0 and resolved a minute later. */
  const firedThenResolved = () =>
    apply(
      apply(undefined, batch, route, T0).group,
      batchFromAlertmanager('alertmanager', resolvedOf(firingBody), T0),
      route,
      T0 + 60_000,
    );

  it('makes a new group with its own message from the first batch', () => {
    const applied = apply(undefined, batch, route, T0);
    expect(applied).toMatchObject({ newMessage: true, unchanged: false, duplicates: 0 });
    expect(applied.group).toMatchObject({ state: 'firing', epoch: 1, channel: 'C0ALERTS', groupKey: '{}/{}:{}' });
    expect(Object.keys(applied.group.alerts)).toEqual(['a1bc48475b20e73d', 'c2ea85182f28cbd9']);
  });

  it('drops resends of the same (fingerprint, status, startsAt)', () => {
    const first = apply(undefined, batch, route, T0).group;
    expect(apply(first, batch, route, T0 + 1000)).toMatchObject({ unchanged: true, duplicates: 2 });
  });

  it('resolves in place, and a late firing resend of the same alerts is stale, not a flap', () => {
    const resolved = firedThenResolved();
    expect(resolved).toMatchObject({ newMessage: false, group: { state: 'resolved', epoch: 1 } });
    expect(resolved.line).toContain('Resolved');
    expect(apply(resolved.group, batch, route, T0 + 61_000)).toMatchObject({ unchanged: true, duplicates: 2 });
  });

  it('firing again within the flap window edits the same message and says so; later, posts anew', () => {
    const resolved = firedThenResolved().group;
    const again = {
      ...firingBody,
      alerts: firingBody.alerts.map((a) => ({ ...a, startsAt: '2020-02-06T01:00:00Z' })),
    };
    const flap = apply(resolved, batchFromAlertmanager('alertmanager', again, T0), route, T0 + 120_000);
    expect(flap).toMatchObject({ newMessage: false, group: { state: 'firing', epoch: 1, flaps: 1 } });
    expect(flap.line).toContain('flapping');
    const later = apply(
      resolved,
      batchFromAlertmanager('alertmanager', again, T0),
      route,
      T0 + 60_000 + FLAP_WINDOW_MS + 1,
    );
    expect(later).toMatchObject({ newMessage: true, group: { state: 'firing', epoch: 2, flaps: 0 } });
  });

  it('keeps nothing for a resolved-only first delivery', () => {
    expect(applyBatch(undefined, batchFromAlertmanager('alertmanager', resolvedOf(firingBody), T0), route, T0)).toBe(
      undefined,
    );
  });

  it('counts a whole big group but keeps a sample, firing first then newest, and a resend changes nothing', () => {
    const [template] = firingBody.alerts;
    const alerts = Array.from({ length: 1000 }, (_, i) => ({
      ...template!,
      status: i < 10 ? ('firing' as const) : ('resolved' as const),
      fingerprint: `fp-${i}`,
      startsAt: new Date(T0 + i * 1000).toISOString(),
    }));
    const big = batchFromAlertmanager('alertmanager', { ...firingBody, alerts }, T0);
    const first = apply(undefined, big, route, T0);
    expect(counts(first.group)).toEqual({ firing: 10, resolved: 990 });
    const kept = Object.keys(first.group.alerts);
    expect(kept).toHaveLength(SAMPLE_SIZE);
    expect(kept.slice(0, 11)).toEqual([...Array.from({ length: 10 }, (_, i) => `fp-${9 - i}`), 'fp-999']);
    expect(apply(first.group, big, route, T0 + 1000)).toMatchObject({ unchanged: true, duplicates: 1000 });
  });

  it('cuts labels and annotations past the caps, keeping what fits and saying what was cut', () => {
    const labels: Record<string, string> = { alertname: 'Flood' };
    for (let i = 0; i < 500; i++) labels[`l${i}`] = 'v';
    const alert = normaliseAlert({
      fingerprint: 'f',
      status: 'firing',
      startsAt: '',
      labels,
      annotations: { description: '👍🏽'.repeat(50_000) },
    });
    expect(Object.keys(alert.labels)).toHaveLength(ALERT_CAPS.labels);
    expect(alert.labels.alertname).toBe('Flood');
    expect(alert.annotations.description).toMatch(/^(👍🏽)+$/u);
    expect(alert.cut).toBe('461 labels left out, 1 name or value shortened');
  });

  it('groups generic alerts by name and service; resends without a start are duplicates', () => {
    const generic = batchFromGeneric(
      { title: 'Disk full', status: 'firing', service: 'db', labels: {}, annotations: {}, links: [] },
      T0,
    );
    const first = apply(undefined, generic, route, T0).group;
    expect(first.groupKey).toBe('{alertname="Disk full",service="db"}');
    expect(apply(first, generic, route, T0 + 5).unchanged).toBe(true);
  });

  it('silences by group labels, else the labels every alert shares', () => {
    const group = apply(undefined, batch, route, T0).group;
    expect(silenceMatchers(group)).toEqual([
      { name: 'alertname', value: 'High CPU Temperature', isRegex: false, isEqual: true },
      { name: 'host', value: 'andromeda', isRegex: false, isEqual: true },
      { name: 'severity', value: 'critical', isRegex: false, isEqual: true },
    ]);
    expect(alertmanagerLink(group)).toMatch(/^http:\/\/ops1:9093\/#\/alerts\?filter=%7Balertname/);
  });
});

describe('relating groups of one service', () => {
  const labelled = {
    ...firingBody,
    alerts: firingBody.alerts.map((a) => ({ ...a, labels: { ...a.labels, app: 'api' } })),
  };
  const lead = apply(undefined, batchFromAlertmanager('alertmanager', labelled, T0), route, T0).group;
  const check = apply(
    undefined,
    batchFromCheck({
      service: 'api',
      check: 'http',
      status: 'firing',
      startsAt: new Date(T0).toISOString(),
      summary: '503',
      description: 'Failed 3 times in a row.',
      receivedAt: T0,
    }),
    route,
    T0 + 60_000,
  ).group;

  it('knows the service from the first `by` label the alerts share; a check alert from its check', () => {
    expect(serviceOf(lead, ['service'])).toBeUndefined();
    expect(serviceOf(lead, ['service', 'app'])).toBe('api');
    expect(serviceOf(lead, ['host', 'app'])).toBe('andromeda');
    expect(serviceOf(check, ['app'])).toBe('api');
  });

  it('leads while firing, its own message, within the window of its start', () => {
    expect(mayLead(lead, 1, T0 + 60_000, 600_000)).toBe(true);
    expect(mayLead(lead, 2, T0 + 60_000, 600_000)).toBe(false);
    expect(mayLead(lead, 1, T0 + 600_001, 600_000)).toBe(false);
    expect(mayLead({ ...lead, state: 'resolved' }, 1, T0, 600_000)).toBe(false);
    expect(mayLead({ ...lead, relatedTo: { id: check.id, epoch: 1 } }, 1, T0, 600_000)).toBe(false);
    expect(mayLead({ ...lead, digest: 1 }, 1, T0, 600_000)).toBe(false);
  });

  it('lists related groups on the lead, kept current, and says so on its message', () => {
    const joined = withRelated(lead, check);
    expect(joined.related).toEqual({ [check.id]: { title: 'api/http failing', state: 'firing', firing: 1 } });
    expect(withRelated(joined, check)).toBe(joined);
    const shown = JSON.stringify(groupMessage(joined, { canSilence: false }).blocks);
    expect(shown).toContain('Also firing: *api/http failing* — in the thread');
    const resolved = withRelated(joined, { ...check, state: 'resolved', totals: { firing: 0, resolved: 1 } });
    expect(JSON.stringify(groupMessage(resolved, { canSilence: false }).blocks)).toContain(
      'Related, resolved: *api/http failing* — in the thread',
    );
  });
});

describe('silences kept in Opsdeck', () => {
  const check = (status: 'firing' | 'resolved', startsAt: number) =>
    batchFromCheck({
      service: 'api',
      check: 'http',
      status,
      startsAt: new Date(startsAt).toISOString(),
      summary: '503',
      description: 'Failed 2 times in a row.',
      receivedAt: startsAt,
    });
  const silence = { id: 'opsdeck-1', until: T0 + 3_600_000, userId: 'U0ALICE' };
  const silenced = { ...apply(undefined, check('firing', T0), route, T0).group, silence };
  const resolved = apply(silenced, check('resolved', T0), route, T0 + 60_000);
  const later = T0 + 60_000 + FLAP_WINDOW_MS + 1;

  it('keep the group quiet: its message is edited, its thread gets no line', () => {
    expect(resolved).toMatchObject({ unchanged: false, group: { state: 'resolved', silence } });
    expect(resolved.line).toBeUndefined();
  });

  it('outlive the epoch: firing again past the flap window is held, not posted, until the silence ends', () => {
    const again = apply(resolved.group, check('firing', later), route, later);
    expect(again).toMatchObject({ newMessage: true, group: { epoch: 2, held: true, silence } });
    const after = apply(resolved.group, check('firing', later), route, silence.until + 1);
    expect(after.group.held).toBeUndefined();
    expect(after.group.silence).toBeUndefined();
  });

  it('offer Silence on groups Alertmanager does not own, without an Alertmanager', () => {
    const shown = JSON.stringify(groupMessage({ ...silenced, silence: undefined }, { canSilence: false }).blocks);
    expect(shown).toContain('alerts_silence_1h');
    expect(JSON.stringify(groupMessage(silenced, { canSilence: false }).blocks)).toContain('alerts_unsilence');
  });
});

describe('messages keep to Block Kit limits', () => {
  const huge = (n: number) => 'x<&>'.repeat(n);
  const big: AlertGroup = {
    ...apply(undefined, batchFromAlertmanager('alertmanager', firingBody, T0), route, T0).group,
    acknowledged: { userId: 'U0ALICE', at: T0 },
    flaps: 3,
  };
  for (let i = 0; i < 500; i++) {
    big.alerts[`f${i}`] = {
      fingerprint: `f${i}`,
      status: i % 2 ? 'firing' : 'resolved',
      startsAt: 'x',
      labels: Object.fromEntries(Array.from({ length: 30 }, (_, j) => [`l${j}`, huge(50)])),
      annotations: { summary: huge(1000 + i), description: huge(4000), runbook_url: `https://x/${huge(400)}` },
      generatorURL: `https://prom/${huge(400)}`,
    };
  }
  const messages = {
    firing: groupMessage(apply(undefined, batchFromAlertmanager('alertmanager', firingBody, T0), route, T0).group, {
      canSilence: true,
    }),
    big: groupMessage(big, { canSilence: true }),
    silenced: groupMessage({ ...big, silence: { id: 's', until: T0, userId: 'U0BOB' } }, { canSilence: true }),
    list: openGroupsMessage(
      Array.from({ length: 80 }, () => ({ group: big, link: 'https://slack.com/archives/C1/p1' })),
      'api',
    ),
    empty: openGroupsMessage([], undefined),
  };
  it.each(Object.entries(messages))('%s', (_name, message) => {
    expect(message.text.length).toBeGreaterThan(0);
    expect(checkBlocks(message.blocks, 'message')).toBeNull();
  });
  it('escapes alert text and offers the silence buttons only while firing and unsilenced', () => {
    expect(JSON.stringify(messages.big.blocks)).not.toContain('x<&>');
    expect(JSON.stringify(messages.firing.blocks)).toContain('alerts_silence_4h');
    expect(JSON.stringify(messages.silenced.blocks)).toContain('alerts_unsilence');
    expect(JSON.stringify(messages.silenced.blocks)).not.toContain('alerts_silence_4h');
  });
});
