import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../../../src/catalog.js';
import { deploysConfig } from '../../../src/deploys/config.js';

const EXAMPLE = fileURLToPath(new URL('../../../ops.example.yml', import.meta.url));

describe('ops.example.yml', () => {
  it('loads as-is, without warnings or environment variables', async () => {
    const { catalog, warnings } = await loadCatalog(EXAMPLE, {});
    expect(warnings).toEqual([]);
    expect(Object.keys(catalog.services)).toContain('api');
  });

  it('uses the IDs the local workspace seeds', async () => {
    const { catalog } = await loadCatalog(EXAMPLE, {});
    expect(catalog.slack).toMatchObject({ alertsChannel: 'C0ALERTS', incidentsChannel: 'C0INCIDENTS' });
    expect(catalog.roles.responder).toEqual(['*']);
    expect(catalog.roles.deployer).toContain('U0ALICE');
    expect(catalog.roles.approver).toContain('U0BOB');
    expect(catalog.roles.admin).toContain('U0ADMIN');
    for (const role of Object.values(catalog.roles)) expect(role).not.toContain('U0CAROL');
    const api = catalog.services.api!;
    expect(api.channel).toBe('C0API');
    expect(api.checks.http).toMatchObject({ type: 'http', url: 'http://127.0.0.1:8081/healthz' });
    expect(deploysConfig.serviceOf(api).deploy).toMatchObject({
      provider: 'command',
      command: ['./scripts/demo-deploy.sh', '{service}', '{version}', '{environment}'],
    });
  });
});
