import type { ApprovalPolicy } from '../approvals/approvals.js';
import type { Catalog } from '../config/catalog.js';
import type { Services } from '../platform/services.js';
import { flagsConfig } from './config.js';
import { applyChange } from './desk.js';
import { flagMetrics } from './metrics.js';
import { describeOperation, FlagRefused, summarize } from './rules.js';
import { FlagStore } from './store.js';

export { FlagRefused } from './rules.js';

/** A flag change as other capabilities show it (an incident's postmortem, `/ops status <service>`). */
export interface FlagChangeSummary {
  flag: string;
  environment?: string;
  /** `turned on in production (off → on 100%)`. */
  change: string;
  by: string;
  at: number;
}

type Readers = Pick<Services, 'redis' | 'keysOf'>;

/** Every flag change between two times (ms), newest first: what changed before an incident. */
export async function flagChangesBetween(services: Readers, from: number, to: number): Promise<FlagChangeSummary[]> {
  const store = new FlagStore(services.redis, services.keysOf('flags'), []);
  const changes = await store.changesBetween(from, to);
  return changes
    .map((c) => ({
      flag: c.key,
      ...(c.environment !== undefined && { environment: c.environment }),
      change: `${c.what}${c.environment ? ` in ${c.environment}` : ''}${c.before !== undefined ? ` (${c.before} → ${c.after})` : ''}${c.reason ? ` — ${c.reason}` : ''}`,
      by: c.by,
      at: c.at,
    }))
    .sort((a, b) => b.at - a.at);
}

/**
 * Does a flag name a service? Its key starts with the service's name and a separator (`api.new-cache`, `api-v2`), or
 * its description mentions the service as a word.
 */
export function namesService(flag: { key: string; description?: string }, service: string): boolean {
  if (flag.key === service || (/^[.:_-]$/.test(flag.key.charAt(service.length)) && flag.key.startsWith(service)))
    return true;
  const words = (flag.description ?? '').toLowerCase().split(/[^a-z0-9_-]+/);
  return words.includes(service);
}

/** Changes in the window of flags that name `service`, newest first: for `/ops status <service>`. */
export async function flagChangesFor(
  services: Readers,
  service: string,
  from: number,
  to: number,
): Promise<FlagChangeSummary[]> {
  const store = new FlagStore(services.redis, services.keysOf('flags'), []);
  const definitions = new Map((await store.definitions()).map((d) => [d.key, d]));
  const changes = await flagChangesBetween(services, from, to);
  return changes.filter((c) => {
    const definition = definitions.get(c.flag);
    return definition !== undefined && namesService(definition, service);
  });
}

/** What a kill switch does to a flag in one environment: serve it, stop serving it, or serve it to a percentage. */
export type FlagSwitch = { op: 'on' } | { op: 'off' } | { op: 'rollout'; percent: number };

/** How `/ops flag` would say a switch: `turn off`, `roll out to 25%`. */
export const describeSwitch = (change: FlagSwitch): string => describeOperation(change, 'asked');

/**
 * The flag environment a change names (the first of `flags.environments` when none), with the approval its changes
 * need (`flags.approval`); a problem in words when flags are not set up or there is no such environment.
 */
export function flagEnvironment(
  catalog: Catalog,
  name: string | undefined,
): { environment: string; approval?: ApprovalPolicy } | { problem: string } {
  const settings = flagsConfig.of(catalog);
  if (!settings) return { problem: 'flags are not set up (no `flags:` section in ops.yml)' };
  const environments = Object.keys(settings.environments);
  const environment = name ?? environments[0]!;
  if (!environments.includes(environment))
    return { problem: `"${environment}" is not a flag environment (${environments.join(', ')})` };
  const approval = settings.approval[environment];
  return {
    environment,
    ...(approval && { approval: { from: approval.from, count: approval.count, expiresInMs: approval.expiresIn } }),
  };
}

/** Who may change flags: `flags.role`, as for `/ops flag on|off|rollout`. */
export const flagsRole = (catalog: Catalog): string => flagsConfig.of(catalog)?.role ?? 'deployer';

/**
 * Switches a flag for another capability (a runbook's `flag` step) by the rules a Slack change follows: the flag must
 * exist and not be archived, the change must be valid for it, `by` must hold `flags.role` when it is a person
 * (refused and audited as `/ops flag` refuses), and the change is stored with its history, counted, and audited as
 * `flags.on|off|rollout` by `by`. Approval is the caller's to obtain first (`flagEnvironment` says which policy
 * applies) and is recorded as given.
 * @throws FlagRefused when the change is not possible; PermissionDenied when `by` lacks the role
 */
export async function switchFlag(
  services: Pick<Services, 'redis' | 'keysOf' | 'catalog' | 'audit' | 'permissions' | 'metrics' | 'now'>,
  input: {
    key: string;
    environment: string;
    change: FlagSwitch;
    by: { userId: string } | { system: string };
    /** Why, in the flag's history (`runbook restart-api #12`). */
    reason: string;
    approval?: { id: string; approvedBy: string };
  },
): Promise<{ before: string; after: string }> {
  const target = `${input.key}/${input.environment}`;
  const action = `flags.${input.change.op}`;
  const by = 'userId' in input.by ? input.by.userId : input.by.system;
  if ('userId' in input.by) {
    await services.permissions.require({ userId: by, role: flagsRole(services.catalog), action, target });
  }
  const found = flagEnvironment(services.catalog, input.environment);
  if ('problem' in found) throw new FlagRefused(`Cannot change ${input.key}: ${found.problem}.`);
  const store = new FlagStore(services.redis, services.keysOf('flags'), [found.environment]);
  const { before, after } = await applyChange(
    store,
    flagMetrics(services.metrics),
    {
      key: input.key,
      environment: found.environment,
      operation: input.change,
      by,
      extra: { reason: input.reason, ...(input.approval && { approval: input.approval }) },
    },
    services.now().getTime(),
  );
  const approved = input.approval ? `, approved by ${input.approval.approvedBy}` : '';
  await services.audit.append({
    actor: by,
    action,
    target,
    outcome: 'ok',
    detail: `${describeSwitch(input.change)} — ${input.reason}${approved}`,
    at: services.now(),
  });
  return { before: summarize(before), after: summarize(after) };
}
