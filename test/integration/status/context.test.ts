import { afterAll, describe, expect, it } from 'vitest';
import { parseCatalog } from '../../../src/catalog.js';
import { DeploySchema } from '../../../src/deploys/deploy.js';
import { DeployStore } from '../../../src/deploys/store.js';
import { defaultVariants } from '../../../src/flags/rules.js';
import { FlagStore } from '../../../src/flags/store.js';
import { IncidentSchema } from '../../../src/incidents/incident.js';
import { IncidentStore } from '../../../src/incidents/store.js';
import { readContext } from '../../../src/status/context.js';
import { deletePrefix, redisClient, uniquePrefix } from '../../support/redis.js';

/** What `/ops status` reads beside its checks, from deploys' and incidents' own stores in a real Redis. */

const redis = redisClient();
const prefix = uniquePrefix();
const keysOf =
  (capability: string) =>
  (...parts: string[]) =>
    [prefix, capability, ...parts].join(':');
afterAll(async () => {
  await deletePrefix(redis, prefix);
  redis.disconnect();
});

const { catalog } = parseCatalog(
  `services:
  api:
    deploy:
      provider: command
      command: ["true"]
      environments: { staging: {}, production: {} }
  web: {}
`,
  {},
);

describe('the status context', () => {
  it('has each service’s newest deploy and its open incidents', async () => {
    const deploys = new DeployStore(redis, keysOf('deploys'));
    const incidents = new IncidentStore(redis, keysOf('incidents'));
    const deploy = (id: string, environment: string, version: string, requestedAt: number) =>
      DeploySchema.parse({
        id,
        service: 'api',
        environment,
        version,
        kind: 'deploy',
        status: 'succeeded',
        requester: 'U0ALICE',
        channel: 'C0OPS',
        needsApproval: false,
        requestedAt,
        finishedAt: requestedAt + 1000,
      });
    await deploys.record(deploy('1', 'staging', '1.0.0', 1000));
    await deploys.record(deploy('2', 'production', '0.9.0', 2000));
    const incident = (id: string, service: string | undefined, state: string) =>
      IncidentSchema.parse({
        id,
        title: `Incident ${id}`,
        titleKey: `incident-${id}`,
        severity: 'sev2',
        service,
        state,
        declaredBy: 'U0ALICE',
        declaredAt: 1000 + Number(id),
        commander: 'U0ALICE',
        lastUpdateAt: 1000,
      });
    await incidents.create(incident('1', 'api', 'investigating'));
    await incidents.create(incident('2', 'api', 'identified'));
    await incidents.create(incident('3', 'web', 'resolved'));
    await incidents.create(incident('4', undefined, 'investigating'));

    const now = () => new Date(10_000);
    const flags = new FlagStore(redis, keysOf('flags'), ['production']);
    const flag = {
      type: 'boolean' as const,
      description: 'd',
      owner: 'U0ALICE',
      createdAt: 4000,
      variants: defaultVariants('boolean'),
    };
    await flags.create({ ...flag, key: 'api.cache' });
    await flags.create({ ...flag, key: 'web.banner' });
    for (const key of ['api.cache', 'web.banner']) {
      await flags.change({
        key,
        environment: 'production',
        operation: { op: 'on' },
        by: 'U0ALICE',
        at: 5000,
        what: 'turned on',
      });
    }

    const context = await readContext({ redis, keysOf, catalog, now });
    expect(context.lastDeploys).toEqual({
      api: { version: '0.9.0', environment: 'production', kind: 'deploy', status: 'succeeded', at: 3000 },
    });
    expect(context.openIncidents).toEqual({ api: 2 });
    expect((await readContext({ redis, keysOf, catalog, now }, 'web')).lastDeploys).toEqual({});
    // One service in detail: the changes of the flags that name it.
    expect((await readContext({ redis, keysOf, catalog, now }, 'api')).flagChanges).toEqual({
      api: [
        {
          flag: 'api.cache',
          environment: 'production',
          change: 'turned on in production (off → on · 100%)',
          by: 'U0ALICE',
          at: 5000,
        },
        { flag: 'api.cache', change: 'created', by: 'U0ALICE', at: 4000 },
      ],
    });
  });
});
