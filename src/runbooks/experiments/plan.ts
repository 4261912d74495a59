/**
 * An experiment as a run plan (pure): the hypothesis before, the method (pauses as waits of their own), the
 * hypothesis after, then the rollbacks, which run however the rest ended. Chaos Toolkit's `${name}` configuration
 * values are filled in here.
 */
import type { ApprovalPolicy } from '../../approvals/approvals.js';
import type { ActivityProvider, Phase, PlannedStep } from '../run.js';
import type { Activity, Experiment, ExperimentStep } from './schema.js';

/** Chaos Toolkit has no default timeout; Opsdeck gives every activity one. */
export const DEFAULT_ACTIVITY_TIMEOUT_MS = 5 * 60_000;

export class ExperimentPlanError extends Error {}

/** `configuration:` values: literals, or `{type: env, key, default}` read from `env`. */
export function configurationOf(
  experiment: Experiment,
  env: Record<string, string | undefined>,
): Record<string, string> {
  const config: Record<string, string> = {};
  for (const [name, entry] of Object.entries(experiment.configuration ?? {})) {
    if (entry !== null && typeof entry === 'object' && (entry as { type?: unknown }).type === 'env') {
      const { key, default: fallback } = entry as { key?: unknown; default?: unknown };
      const value = typeof key === 'string' ? (env[key] ?? fallback) : fallback;
      if (value !== undefined) config[name] = String(value);
    } else if (typeof entry === 'string' || typeof entry === 'number' || typeof entry === 'boolean') {
      config[name] = String(entry);
    }
  }
  return config;
}

function substitute<T>(value: T, config: Record<string, string>): T {
  if (typeof value === 'string') {
    return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (match, name: string) => config[name] ?? match) as T;
  }
  if (Array.isArray(value)) return value.map((v) => substitute(v, config)) as T;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v, config)])) as T;
  }
  return value;
}

function secondsToMs(value: number | [number, number] | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const seconds = Array.isArray(value) ? value[0] + value[1] : value;
  return Math.max(1, Math.round(seconds * 1000));
}

/** A process provider's argv, as Chaos Toolkit builds it — but never through a shell. */
function argvOf(path: string, args: unknown): string[] {
  if (args === undefined || args === null) return [path];
  if (typeof args === 'string') return [path, ...args.split(/\s+/).filter(Boolean)];
  if (Array.isArray(args)) return [path, ...args.filter((a) => a !== null && a !== '').map(String)];
  return [path, ...Object.entries(args as Record<string, unknown>).flatMap(([k, v]) => [k, String(v)])];
}

function providerOf(activity: Activity): ActivityProvider {
  const p = activity.provider;
  if (p.type === 'process') {
    return {
      type: 'process',
      argv: argvOf(p.path, p.arguments),
      timeout: secondsToMs(p.timeout ?? activity.timeout, DEFAULT_ACTIVITY_TIMEOUT_MS),
    };
  }
  const expected = p.expected_status;
  if (!/^https?:\/\/\S+$/.test(p.url)) {
    throw new ExperimentPlanError(
      `activity "${activity.name}" needs an http(s) URL (is a configuration value missing?)`,
    );
  }
  return {
    type: 'http',
    method: p.method.toUpperCase(),
    url: p.url,
    headers: p.headers ?? {},
    ...(p.arguments && { arguments: p.arguments }),
    timeout: secondsToMs(p.timeout ?? activity.timeout, 30_000),
    verifyTls: p.verify_tls ?? true,
    ...(expected !== undefined && { expectedStatus: Array.isArray(expected) ? expected : [expected] }),
  };
}

export function planExperiment(
  experiment: Experiment,
  options: { approval?: ApprovalPolicy; guarded: boolean; env: Record<string, string | undefined> },
): PlannedStep[] {
  const config = configurationOf(experiment, options.env);
  const probes = experiment['steady-state-hypothesis']?.probes ?? [];
  const byName = new Map<string, Activity>();
  for (const step of [...probes, ...experiment.method, ...experiment.rollbacks]) {
    if ('provider' in step) byName.set((step as Activity).name, step as Activity);
  }
  const resolve = (step: ExperimentStep): Activity => {
    if ('provider' in step) return substitute(step as Activity, config);
    const found = byName.get((step as { ref: string }).ref);
    if (!found)
      throw new ExperimentPlanError(`referenced activity "${(step as { ref: string }).ref}" is not in the experiment`);
    return substitute(found, config);
  };
  const steps: PlannedStep[] = [];
  if (options.approval) {
    steps.push({
      name: 'approval',
      action: { kind: 'approve', ...options.approval },
      onFailure: 'stop',
      retryable: false,
      section: 'main',
    });
  }
  const add = (activity: Activity, phase: Phase, label: string) => {
    const section = phase === 'rollback' ? 'always' : 'main';
    const onFailure = phase === 'before' || phase === 'method' ? 'stop' : 'continue';
    const pause = (when: 'before' | 'after', seconds: number | undefined) => {
      if (seconds)
        steps.push({
          name: `pause ${when} ${activity.name}`,
          action: { kind: 'wait', ms: Math.round(seconds * 1000) },
          onFailure,
          retryable: true,
          section,
          phase,
        });
    };
    pause('before', activity.pauses?.before);
    steps.push({
      name: label,
      action: {
        kind: 'activity',
        provider: providerOf(activity),
        activity: activity.type,
        ...(phase === 'before' || phase === 'after' ? { tolerance: activity.tolerance } : {}),
      },
      onFailure,
      retryable: activity.type === 'probe',
      section,
      phase,
      ...(phase === 'method' && options.guarded && { guarded: true }),
    });
    pause('after', activity.pauses?.after);
  };
  for (const probe of probes) add(resolve(probe), 'before', `${probe.name} (before)`);
  for (const step of experiment.method) {
    const activity = resolve(step);
    add(activity, 'method', activity.name);
  }
  for (const probe of probes) add(resolve(probe), 'after', `${probe.name} (after)`);
  for (const step of experiment.rollbacks) {
    const activity = resolve(step);
    add(activity, 'rollback', `rollback: ${activity.name}`);
  }
  return steps;
}
