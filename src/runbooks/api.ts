/**
 * What runbooks offer other capabilities; they import only this file from `src/runbooks/`. Alerts ask whether a group's
 * `runbook` names one, to show a Run runbook button.
 */
import type { Catalog } from '../config/catalog.js';
import { runbooksConfig } from './config.js';

/** `name` when ops.yml defines that runbook, else undefined. */
export function runbookIn(catalog: Catalog, name: string | undefined): string | undefined {
  if (name === undefined) return undefined;
  return Object.hasOwn(runbooksConfig.of(catalog) ?? {}, name) ? name : undefined;
}
