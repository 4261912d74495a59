import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import type { Catalog } from '../../config/catalog-schema.js';
import { flagEnvironment, flagsRole } from '../../flags/api.js';
import { type ExperimentEntry, experimentsConfig, type Runbook, runbooksConfig } from '../config.js';
import { type RunDesk, RunRefused, type StartInput } from '../desk.js';
import { ExperimentPlanError, planExperiment } from '../experiments/plan.js';
import { type Experiment, ExperimentSchema } from '../experiments/schema.js';
import { type StartJob, startQueue } from '../jobs/start-queue.js';
import { chooseService, PlanError, planRunbook } from '../rules.js';
import type { PlannedStep } from '../run.js';

/** What runbooks read of ops.yml: their section, the experiments section, and which runbooks each service lists. */
export interface RunbookCatalog {
  readonly runbooks: Record<string, Runbook>;
  readonly experiments: Record<string, ExperimentEntry>;
  readonly services: Record<string, { runbooks: readonly string[] }>;
  /** Flags' environment of that name (the first when none) and its approval, for `flag` steps. */
  flagEnvironment(name: string | undefined): ReturnType<typeof flagEnvironment>;
  /** Who may change flags (`flags.role`): starting a runbook with a `flag` step needs it too. */
  readonly flagsRole: string;
}

/**
 * Reads the sections when asked: a capability's build runs before (and without) the catalog. The services' runbook
 * lists are derived once per loaded catalog (a reload is a new object): every `/ops run` reads them (issue #19).
 */
export function runbookCatalog(catalog: () => Catalog): RunbookCatalog {
  const servicesOf = new WeakMap<Catalog, Record<string, { runbooks: readonly string[] }>>();
  return {
    get runbooks() {
      return runbooksConfig.of(catalog());
    },
    get experiments() {
      return experimentsConfig.of(catalog());
    },
    get services() {
      const current = catalog();
      let services = servicesOf.get(current);
      if (!services) {
        services = Object.fromEntries(
          Object.entries(current.services).map(([name, service]) => [name, runbooksConfig.serviceOf(service)]),
        );
        servicesOf.set(current, services);
      }
      return services;
    },
    flagEnvironment: (name) => flagEnvironment(catalog(), name),
    get flagsRole() {
      return flagsRole(catalog());
    },
  };
}

export function runbookNamed(catalog: RunbookCatalog, name: string): Runbook {
  const runbook = catalog.runbooks[name];
  if (!runbook) {
    const known = Object.keys(catalog.runbooks);
    throw new RunRefused(
      `There is no runbook \`${name}\` in ops.yml${known.length > 0 ? ` (there are: ${known.join(', ')})` : ''}. \`/ops runbooks\` lists them.`,
    );
  }
  return runbook;
}

/**
 * The runbook `name`, once `userId` may start it: they hold one of its `allow` roles, and `flags.role` too when a
 * step changes a flag (a runbook is no way around the flag rules). Refused (and audited) otherwise.
 */
export async function runbookFor(
  desk: RunDesk,
  catalog: RunbookCatalog,
  userId: string,
  name: string,
): Promise<Runbook> {
  const runbook = runbookNamed(catalog, name);
  await desk.requireAny(userId, runbook.allow, 'runbooks.run', name);
  if ([...runbook.steps, ...runbook.recovery].some((step) => step.kind === 'flag')) {
    await desk.services.permissions.require({ userId, role: catalog.flagsRole, action: 'runbooks.run', target: name });
  }
  return runbook;
}

/** What starting a runbook needs, parameters already checked: the plan, with the service chosen. */
export function runbookStart(
  catalog: RunbookCatalog,
  input: { name: string; service?: string; params: Record<string, string>; userId: string; channel: string },
): Omit<StartInput, 'requester' | 'channel'> & { label: string } {
  const runbook = runbookNamed(catalog, input.name);
  const chosen = chooseService(input.name, catalog.services, input.service);
  if (chosen.problem) throw new RunRefused(`${chosen.problem[0]!.toUpperCase()}${chosen.problem.slice(1)}.`);
  let steps: PlannedStep[];
  try {
    steps = planRunbook(runbook, {
      runbook: input.name,
      service: chosen.service,
      user: input.userId,
      params: input.params,
      flagEnvironment: catalog.flagEnvironment,
    });
  } catch (error) {
    if (error instanceof PlanError) throw new RunRefused(`Cannot run ${input.name}: ${error.message}.`);
    throw error;
  }
  return {
    kind: 'runbook',
    name: input.name,
    ...(chosen.service !== undefined && { service: chosen.service }),
    params: input.params,
    steps,
    concurrent: runbook.concurrent,
    humanRole: runbook.approval?.from ?? runbook.allow[0]!,
    label: `runbook ${input.name}${chosen.service ? ` on ${chosen.service}` : ''}`,
  };
}

/** Reads an experiment (inline, or its file as JSON or YAML) and checks it is in Chaos Toolkit's format. */
export async function loadExperiment(entry: ExperimentEntry): Promise<Experiment> {
  if (entry.experiment) return entry.experiment;
  let text: string;
  try {
    text = await readFile(entry.file!, 'utf8');
  } catch (error) {
    throw new RunRefused(`Cannot read the experiment file (${(error as NodeJS.ErrnoException).code ?? 'unreadable'}).`);
  }
  let raw: unknown;
  try {
    raw = entry.file!.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch {
    throw new RunRefused('The experiment file is not valid JSON or YAML.');
  }
  const parsed = ExperimentSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new RunRefused(
      `The experiment file is not a valid experiment: ${issue.path.join('.') || '(root)'}: ${issue.message}.`,
    );
  }
  return parsed.data;
}

export function experimentEntry(catalog: RunbookCatalog, name: string): ExperimentEntry {
  const entry = Object.hasOwn(catalog.experiments, name) ? catalog.experiments[name] : undefined;
  if (!entry) {
    const known = Object.keys(catalog.experiments);
    throw new RunRefused(
      `There is no experiment \`${name}\` in ops.yml${known.length > 0 ? ` (there are: ${known.join(', ')})` : ''}.`,
    );
  }
  return entry;
}

export async function experimentStart(
  catalog: RunbookCatalog,
  input: { name: string; env: Record<string, string | undefined> },
): Promise<Omit<StartInput, 'requester' | 'channel'> & { label: string }> {
  const entry = experimentEntry(catalog, input.name);
  const experiment = await loadExperiment(entry);
  const guard = entry.guard.map((check) => `${entry.service}.${check}`);
  let steps: PlannedStep[];
  try {
    steps = planExperiment(experiment, {
      ...(entry.approval && {
        approval: { from: entry.approval.from, count: entry.approval.count, expiresInMs: entry.approval.expiresIn },
      }),
      guarded: guard.length > 0,
      env: input.env,
    });
  } catch (error) {
    if (error instanceof ExperimentPlanError) throw new RunRefused(`Cannot run ${input.name}: ${error.message}.`);
    throw error;
  }
  return {
    kind: 'experiment',
    name: input.name,
    ...(entry.service !== undefined && { service: entry.service }),
    params: {},
    steps,
    guard,
    concurrent: false,
    humanRole: entry.approval?.from ?? entry.allow[0]!,
    label: `experiment ${input.name} (${experiment.title})`,
  };
}

/**
 * How every surface starts a run once it has checked what is pure (arguments, parameters, roles): the start job takes
 * the lock, records, announces and advances, in one place. Enqueued within the ack's deadline, so the surface acks at
 * once; the request id keeps a replayed request to one job and one run.
 */
export function queueStart(
  desk: RunDesk,
  request: StartRequest,
  start: Pick<StartInput, 'kind' | 'name' | 'service' | 'params'>,
  options: { dryRun?: boolean } = {},
): Promise<void> {
  const job: StartJob = {
    requestId: request.requestId,
    userId: request.userId,
    channel: request.channel,
    ...(request.threadKey !== undefined && { threadKey: request.threadKey }),
    ...(request.responseUrl !== undefined && { responseUrl: request.responseUrl }),
    kind: start.kind,
    runbook: start.name,
    ...(start.service !== undefined && { service: start.service }),
    params: start.params,
    ...(options.dryRun && { dryRun: true as const }),
  };
  return desk.services.jobs.enqueue(startQueue, job, { withinAck: true });
}

/** What a surface knows of a request: its id there, who asked, where, and how to answer them (no response_url: a modal). */
export interface StartRequest {
  requestId: string;
  userId: string;
  channel: string;
  threadKey?: string | undefined;
  responseUrl?: string | undefined;
}
