import { CHECK_REF_PATTERN } from './catalog-schema.js';
import type { PathProblem } from './interpolate.js';

type Tree = Record<string, unknown>;

const isTree = (value: unknown): value is Tree => value !== null && typeof value === 'object' && !Array.isArray(value);
const keysOf = (value: unknown): Set<string> => new Set(isTree(value) ? Object.keys(value) : []);
const entriesOf = (value: unknown): Array<[string, unknown]> => (isTree(value) ? Object.entries(value) : []);
const arrayOf = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

/**
 * Checks the references between sections — approval roles, deploy `verify` checks, a service's runbooks, runbook
 * `check:` steps — and that step names are unique within a runbook. It reads the raw (interpolated) tree rather than zod's output so that these problems are reported in
 * the same pass as shape errors, even when other parts of the file are invalid; values of the wrong shape are skipped
 * here because the schema reports them.
 */
export function findReferenceProblems(raw: Tree): PathProblem[] {
  const problems: PathProblem[] = [];
  const roles = keysOf(raw.roles);
  const runbooks = keysOf(raw.runbooks);
  const services = isTree(raw.services) ? raw.services : {};

  const checkRole = (approval: unknown, path: Array<string | number>) => {
    if (!isTree(approval) || typeof approval.from !== 'string') return;
    if (!roles.has(approval.from)) {
      problems.push({ path: [...path, 'from'], message: `role "${approval.from}" is not defined in roles` });
    }
  };

  for (const [serviceName, service] of entriesOf(services)) {
    if (!isTree(service)) continue;
    const base = ['services', serviceName];
    const checks = keysOf(service.checks);

    if (isTree(service.deploy)) {
      for (const [envName, environment] of entriesOf(service.deploy.environments)) {
        if (!isTree(environment)) continue;
        const envPath = [...base, 'deploy', 'environments', envName];
        checkRole(environment.approval, [...envPath, 'approval']);
        arrayOf(environment.verify).forEach((check, index) => {
          if (typeof check === 'string' && !checks.has(check)) {
            problems.push({
              path: [...envPath, 'verify', index],
              message: `check "${check}" is not defined in services.${serviceName}.checks`,
            });
          }
        });
      }
    }

    arrayOf(service.runbooks).forEach((runbook, index) => {
      if (typeof runbook === 'string' && !runbooks.has(runbook)) {
        problems.push({
          path: [...base, 'runbooks', index],
          message: `runbook "${runbook}" is not defined in runbooks`,
        });
      }
    });
  }

  for (const [runbookName, runbook] of entriesOf(raw.runbooks)) {
    if (!isTree(runbook)) continue;
    const base = ['runbooks', runbookName];
    checkRole(runbook.approval, [...base, 'approval']);
    const stepNames = new Set<unknown>();
    arrayOf(runbook.steps).forEach((step, index) => {
      if (!isTree(step)) return;
      if (typeof step.name === 'string' && stepNames.has(step.name)) {
        problems.push({ path: [...base, 'steps', index, 'name'], message: `duplicate step name "${step.name}"` });
      }
      stepNames.add(step.name);
      if (typeof step.check !== 'string') return;
      const match = CHECK_REF_PATTERN.exec(step.check);
      if (!match) return;
      const [, serviceName, checkName] = match as unknown as [string, string, string];
      const path = [...base, 'steps', index, 'check'];
      const service = services[serviceName];
      if (!isTree(service)) {
        problems.push({ path, message: `service "${serviceName}" is not defined in services` });
      } else if (!keysOf(service.checks).has(checkName)) {
        problems.push({ path, message: `check "${checkName}" is not defined in services.${serviceName}.checks` });
      }
    });
  }

  return problems;
}
