import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../../../src/catalog.js';
import { deploysConfig } from '../../../src/deploys/config.js';
import { experimentsConfig, runbooksConfig } from '../../../src/runbooks/config.js';
import { ExperimentSchema } from '../../../src/runbooks/experiments/schema.js';
import { ensureExperimentIsValid } from '../../support/chaos-validate.js';
import { repoRoot } from '../../support/repo.js';

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

  it('has the demo runbook with an approval gate, and a demo experiment in Chaos Toolkit’s own format', async () => {
    const { catalog } = await loadCatalog(EXAMPLE, {});
    expect(catalog.roles.deployer).toContain('U0DANA');
    expect(catalog.roles.approver).toContain('U0DANA');
    const restart = runbooksConfig.of(catalog)['restart-api']!;
    expect(restart.approval).toMatchObject({ from: 'approver' });
    expect(restart.steps.map((step) => step.name)).toEqual(['announce', 'restart', 'settle', 'verify']);
    const slow = experimentsConfig.of(catalog)['slow-api']!;
    expect(slow).toMatchObject({ file: 'scripts/demo-slow-api.json', service: 'api', guard: ['http'] });
    const experiment = JSON.parse(readFileSync(`${repoRoot}/${slow.file}`, 'utf8'));
    expect(() => ensureExperimentIsValid(experiment)).not.toThrow();
    expect(ExperimentSchema.safeParse(experiment).success).toBe(true);
  });
});
