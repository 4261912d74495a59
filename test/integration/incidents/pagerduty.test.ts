import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PagerError, pagerDuty } from '../../../src/incidents/providers/pagerduty.js';
import { type FakePagerDuty, startFakePagerDuty } from '../../support/fake-pagerduty.js';

const KEY = 'R0UT1NGKEY0000000000000000000001';
let pd: FakePagerDuty;

beforeAll(async () => {
  pd = await startFakePagerDuty();
});
afterAll(() => pd.close());

describe('PagerDuty provider (Events API v2)', () => {
  it('triggers and resolves under one dedup key per incident, as the API documents them', async () => {
    const pager = pagerDuty({ routingKey: KEY, url: `${pd.url}/` });
    await pager.trigger({
      incidentId: '42',
      summary: 'x'.repeat(2000),
      severity: 'critical',
      source: 'opsdeck',
      at: new Date(),
    });
    await pager.resolve('42');
    expect(pd.refused).toEqual([]);
    expect(pd.events.map((e) => [e.event_action, e.dedup_key])).toEqual([
      ['trigger', 'opsdeck-incident-42'],
      ['resolve', 'opsdeck-incident-42'],
    ]);
    expect(pd.events[0]!.payload!.summary).toHaveLength(1024);
  });

  it('a refused event is permanent; no answer is temporary (the job retries those only)', async () => {
    const refused = await pagerDuty({ routingKey: 'too-short', url: pd.url })
      .resolve('1')
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(PagerError);
    expect(refused).toMatchObject({ temporary: false, message: 'PagerDuty answered 400' });
    const unreachable = await pagerDuty({ routingKey: KEY, url: 'http://127.0.0.1:1' })
      .resolve('1')
      .catch((error: unknown) => error);
    expect(unreachable).toMatchObject({ temporary: true });
  });
});
