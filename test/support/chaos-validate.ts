/**
 * The structural checks of Chaos Toolkit's `chaos validate`, ported from chaostoolkit-lib (Apache-2.0, the Chaos
 * Toolkit authors): `ensure_experiment_is_valid` (chaoslib/experiment.py), `ensure_activity_is_valid`
 * (chaoslib/activity.py), `ensure_hypothesis_is_valid` and its tolerance checks (chaoslib/hypothesis.py), and the
 * process and http providers' validators (chaoslib/provider/). PyPI is out of reach where these tests run, so the
 * fixtures are held to these checks instead of the real command. Left out: python providers (Opsdeck does not run
 * them), controls, extensions, configuration and secrets loading. Throws an Error with Chaos Toolkit's message.
 */
import { execFileSync } from 'node:child_process';

type Tree = Record<string, unknown>;
const isTree = (v: unknown): v is Tree => v !== null && typeof v === 'object' && !Array.isArray(v);
const isNumber = (v: unknown) => typeof v === 'number' && Number.isFinite(v);

function which(path: string): boolean {
  try {
    execFileSync('sh', ['-c', 'command -v "$1"', 'which', path], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export function ensureActivityIsValid(activity: unknown): void {
  if (!isTree(activity) || Object.keys(activity).length === 0) throw new Error('empty activity is no activity');
  if ('ref' in activity) {
    if (typeof activity.ref !== 'string' || activity.ref === '')
      throw new Error('reference to activity must be non-empty strings');
    return;
  }
  const type = activity.type;
  if (!type) throw new Error('an activity must have a type');
  if (type !== 'probe' && type !== 'action') throw new Error(`'${type}' is not a supported activity type`);
  if (!activity.name) throw new Error('an activity must have a name');
  const provider = activity.provider;
  if (!isTree(provider)) throw new Error('an activity requires a provider');
  if (!provider.type) throw new Error('a provider must have a type');
  if (!['python', 'process', 'http'].includes(provider.type as string))
    throw new Error(`unknown provider type '${provider.type}'`);
  if (activity.timeout !== undefined && !isNumber(activity.timeout))
    throw new Error('activity timeout must be a number');
  if (activity.pauses !== undefined) {
    const pauses = activity.pauses as Tree;
    if (pauses.before !== undefined && !isNumber(pauses.before))
      throw new Error('activity before pause must be a number');
    if (pauses.after !== undefined && !isNumber(pauses.after)) throw new Error('activity after pause must be a number');
  }
  if ('background' in activity && typeof activity.background !== 'boolean')
    throw new Error('activity background must be a boolean');
  if (provider.type === 'process') {
    if (!provider.path) throw new Error('a process activity must have a path');
    if (!which(String(provider.path)))
      throw new Error(`path '${provider.path}' cannot be found, in activity '${activity.name}'`);
  }
  if (provider.type === 'http') {
    if (!provider.url) throw new Error('a HTTP activity must have a URL');
    if (provider.headers !== undefined && !isTree(provider.headers))
      throw new Error('a HTTP activities expect headers as a mapping');
  }
}

function ensureToleranceIsValid(tolerance: unknown): void {
  if (!['boolean', 'number', 'string'].includes(typeof tolerance) && !Array.isArray(tolerance) && !isTree(tolerance)) {
    throw new Error('hypothesis probe tolerance must either be an integer, a string, a boolean or a pair of values');
  }
  if (!isTree(tolerance)) return;
  switch (tolerance.type) {
    case 'probe':
      ensureActivityIsValid(tolerance);
      return;
    case 'regex':
      if (!('pattern' in tolerance)) throw new Error('hypothesis regex probe tolerance must have a `pattern` key');
      new RegExp(String(tolerance.pattern));
      return;
    case 'jsonpath':
      if (!('path' in tolerance)) throw new Error('hypothesis jsonpath probe tolerance must have a `path` key');
      return;
    case 'range': {
      const range = tolerance.range;
      if (!('range' in tolerance)) throw new Error('hypothesis range probe tolerance must have a `range` key');
      if (!Array.isArray(range)) throw new Error('hypothesis range must be a sequence');
      if (range.length !== 2) throw new Error('hypothesis range sequence must be made of two values');
      if (!isNumber(range[0])) throw new Error('hypothesis range lower boundary must be a number');
      if (!isNumber(range[1])) throw new Error('hypothesis range upper boundary must be a number');
      return;
    }
    default:
      throw new Error(`hypothesis probe tolerance type '${tolerance.type}' is unsupported`);
  }
}

export function ensureExperimentIsValid(experiment: unknown): void {
  if (!isTree(experiment) || Object.keys(experiment).length === 0)
    throw new Error('an empty experiment is not an experiment');
  if (!experiment.title) throw new Error('experiment requires a title');
  if (!experiment.description) throw new Error('experiment requires a description');
  const tags = experiment.tags;
  if (Array.isArray(tags) && tags.some((t) => t === '' || typeof t !== 'string'))
    throw new Error('experiment tags must be a non-empty string');
  const hypothesis = experiment['steady-state-hypothesis'];
  if (hypothesis !== undefined) {
    if (!isTree(hypothesis) || !hypothesis.title) throw new Error('hypothesis requires a title');
    for (const probe of (hypothesis.probes as unknown[]) ?? []) {
      ensureActivityIsValid(probe);
      if (!isTree(probe) || !('tolerance' in probe)) throw new Error('hypothesis probe must have a tolerance entry');
      ensureToleranceIsValid(probe.tolerance);
    }
  }
  const method = experiment.method;
  if (method === undefined || method === null) {
    throw new Error('an experiment requires a method, which can be empty for only checking steady state hypothesis ');
  }
  const names = new Set(
    [
      ...((isTree(hypothesis) && (hypothesis.probes as Tree[])) || []),
      ...(method as Tree[]),
      ...((experiment.rollbacks as Tree[]) ?? []),
    ]
      .map((a) => a?.name)
      .filter(Boolean),
  );
  for (const activity of method as unknown[]) {
    ensureActivityIsValid(activity);
    const ref = isTree(activity) ? activity.ref : undefined;
    if (ref && !names.has(ref)) throw new Error(`referenced activity '${ref}' could not be found in the experiment`);
  }
  for (const activity of (experiment.rollbacks as unknown[]) ?? []) ensureActivityIsValid(activity);
}
