import { spawnSync } from 'node:child_process';
import { ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';
import { Deployment } from 'kubernetes-models/apps/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ConfigMap, Service } from 'kubernetes-models/v1';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { DEFAULTS } from '../../src/config/env.js';
import { repoRoot } from '../support/repo.js';

/**
 * deploy/kubernetes as `kubectl apply -k` would see it: rendered by kubectl's Kustomize, every object checked
 * against the Kubernetes API's own schemas (kubernetes-models), and the promises the README makes about it held.
 */
type Manifest = { kind: string; metadata: { name: string; labels?: Record<string, string> }; [key: string]: unknown };

function render(dir: string): Manifest[] {
  const done = spawnSync('kubectl', ['kustomize', dir], { cwd: repoRoot, encoding: 'utf8' });
  if (done.error)
    throw new Error(`kubectl is needed to render ${dir} (apt-get install kubernetes-client): ${done.error.message}`);
  expect(done.status, done.stderr).toBe(0);
  return parseAllDocuments(done.stdout).map((doc) => doc.toJSON() as Manifest);
}

const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  Deployment,
  Service,
  ConfigMap,
  PodDisruptionBudget,
  ServiceMonitor,
};

type Pod = {
  metadata: { labels: Record<string, string> };
  spec: {
    terminationGracePeriodSeconds: number;
    containers: Array<{
      env: Array<{ name: string; value?: string }>;
      envFrom: Array<{ secretRef?: { name: string } }>;
      readinessProbe: { httpGet: { path: string } };
      livenessProbe: { httpGet: { path: string } };
      resources: { requests: Record<string, string>; limits: Record<string, string> };
    }>;
    volumes: Array<{ configMap?: { name: string } }>;
  };
};

describe('deploy/kubernetes', () => {
  const base = render('deploy/kubernetes/base');
  const monitored = render('deploy/kubernetes/monitoring');
  const named = (kind: string, name: string) => base.find((m) => m.kind === kind && m.metadata.name === name)!;

  it('renders objects that the Kubernetes API schemas accept', () => {
    for (const manifest of monitored) {
      const Model = MODELS[manifest.kind];
      expect(Model, `a schema for ${manifest.kind}`).toBeDefined();
      expect(
        () => new Model!(manifest as never).validate(),
        `${manifest.kind}/${manifest.metadata.name}`,
      ).not.toThrow();
    }
    expect(monitored.map((m) => m.kind).sort()).toEqual([
      'ConfigMap',
      'Deployment',
      'Deployment',
      'PodDisruptionBudget',
      'PodDisruptionBudget',
      'Service',
      'Service',
      'ServiceMonitor',
    ]);
  });

  it('runs bots and workers as their own Deployments, probed, given time to stop, configured from a Secret and a ConfigMap', () => {
    const configMap = base.find((m) => m.kind === 'ConfigMap')!;
    for (const [name, role] of [
      ['opsdeck-bot', 'bot'],
      ['opsdeck-worker', 'worker'],
    ] as const) {
      const deployment = named('Deployment', name) as Manifest & { spec: { replicas: number; template: Pod } };
      const pod = deployment.spec.template;
      const [container] = pod.spec.containers;
      const env = Object.fromEntries(container!.env.map((e) => [e.name, e.value]));
      expect(env.ROLE).toBe(role);
      expect(deployment.spec.replicas).toBeGreaterThanOrEqual(2);
      expect(container!.readinessProbe.httpGet.path).toBe('/readyz');
      expect(container!.livenessProbe.httpGet.path).toBe('/healthz');
      expect(container!.resources.requests.memory).toBeDefined();
      const shutdownMs = Number(env.SHUTDOWN_TIMEOUT_MS ?? DEFAULTS.SHUTDOWN_TIMEOUT_MS);
      expect(pod.spec.terminationGracePeriodSeconds * 1000).toBeGreaterThan(shutdownMs);
      expect(container!.envFrom.map((e) => e.secretRef?.name)).toContain('opsdeck');
      expect(pod.spec.volumes.map((v) => v.configMap?.name)).toContain(configMap.metadata.name);
    }
    expect(String((configMap as unknown as { data: Record<string, string> }).data['ops.yml'])).toContain('roles:');
  });

  it('selects the bots with the Service and each Deployment with its disruption budget', () => {
    const podLabels = (name: string) =>
      (named('Deployment', name) as unknown as { spec: { template: Pod } }).spec.template.metadata.labels;
    const matches = (selector: Record<string, string>, labels: Record<string, string>) =>
      Object.entries(selector).every(([key, value]) => labels[key] === value);
    const service = named('Service', 'opsdeck') as unknown as { spec: { selector: Record<string, string> } };
    expect(matches(service.spec.selector, podLabels('opsdeck-bot'))).toBe(true);
    expect(matches(service.spec.selector, podLabels('opsdeck-worker'))).toBe(false);
    for (const name of ['opsdeck-bot', 'opsdeck-worker']) {
      const budget = named('PodDisruptionBudget', name) as unknown as {
        spec: { selector: { matchLabels: Record<string, string> } };
      };
      expect(matches(budget.spec.selector.matchLabels, podLabels(name))).toBe(true);
    }
  });
});
