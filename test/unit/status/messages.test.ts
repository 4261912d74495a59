import { describe, expect, it } from 'vitest';
import type { Deploy } from '../../../src/deploys/deploy.js';
import { detailMessage, homeSection, overviewMessage } from '../../../src/status/messages.js';
import { lastDeployOf, type ServiceStatus, type StoredResult } from '../../../src/status/rules.js';

const pass: StoredResult = { ok: true, summary: '200 in 12 ms', latencyMs: 12, at: 0 };
const fail: StoredResult = { ok: false, summary: '503 (expected 2xx) in 40 ms', latencyMs: 40, at: 0 };

const deploy = (over: Partial<Deploy>): Deploy => ({
  id: '1',
  service: 'api',
  environment: 'staging',
  version: '1.0.0',
  kind: 'deploy',
  status: 'succeeded',
  requester: 'U0ALICE',
  channel: 'C0OPS',
  needsApproval: false,
  requestedAt: 1000,
  verified: true,
  runs: 0,
  ...over,
});

describe('the last deploy', () => {
  it('is the newest across environments, dated when it finished', () => {
    const staging = [deploy({ version: '1.1.0', requestedAt: 3000, finishedAt: 4000 }), deploy({})];
    const production = [deploy({ environment: 'production', version: '1.0.0', requestedAt: 2000 })];
    expect(lastDeployOf([production, staging])).toEqual({
      version: '1.1.0',
      environment: 'staging',
      kind: 'deploy',
      status: 'succeeded',
      at: 4000,
    });
    expect(lastDeployOf([[], []])).toBeUndefined();
  });

  it('shows in the overview and the detail with its outcome unless it succeeded, and open incidents too', () => {
    const service: ServiceStatus = {
      name: 'api',
      checks: [{ name: 'http', type: 'http', result: fail }],
      lastDeploy: { version: '2.0.0', environment: 'production', kind: 'rollback', status: 'failed', at: 86_400_000 },
      openIncidents: 2,
    };
    const overview = JSON.stringify(overviewMessage([service]).blocks);
    expect(overview).toContain(
      '*api* — down · 40 ms · :fire: 2 open incidents · http: 503 (expected 2xx) in 40 ms · :rocket: rollback to 2.0.0 → production (failed)',
    );
    const detail = JSON.stringify(detailMessage(service, new Map()).blocks);
    expect(detail).toContain(':rocket: rollback to 2.0.0 → production (failed) <!date^86400^');
  });
});

describe('the Home section', () => {
  it('leaves out checks that never ran, and lists SLO budgets smallest first', () => {
    const services: ServiceStatus[] = [
      {
        name: 'api',
        checks: [
          { name: 'http', type: 'http', result: pass },
          { name: 'manual', type: 'http' },
          { name: 'availability', type: 'slo', result: { ...pass, budgetRemaining: 0.62 } },
        ],
      },
      { name: 'web', checks: [{ name: 'latency', type: 'slo', result: { ...fail, budgetRemaining: -0.1 } }] },
    ];
    const text = JSON.stringify(homeSection(services));
    expect(text).toContain('*api* — healthy');
    expect(text).toContain(
      '*SLO budgets left*\\n:red_circle: `web.latency` — -10%\\n:large_green_circle: `api.availability` — 62%',
    );
  });

  it('takes at most 20 of Home’s 100 blocks, however many services', () => {
    const many = Array.from({ length: 1000 }, (_, i) => ({
      name: `service-with-a-rather-long-name-${i}`,
      checks: [{ name: 'http', type: 'http' as const, result: i % 2 ? pass : { ...fail, summary: 'x'.repeat(80) } }],
    }));
    const blocks = homeSection(many);
    expect(blocks.length).toBeLessThanOrEqual(20);
    expect(JSON.stringify(blocks.at(-1))).toContain('more in `/ops status`');
  });
});
