import type { Permissions } from '../../access/permissions.js';
import type { Logger } from '../../log.js';
import type { Metrics } from '../../metrics.js';
import type { AuditLog } from '../../platform/audit-log.js';
import type { Registry } from '../../platform/registry.js';

/** What the router is given: the capabilities' registry and the platform services it applies to every handler. */
export interface RouterDeps {
  registry: Registry;
  slashCommand: string;
  permissions: Permissions;
  audit: AuditLog;
  metrics: Metrics;
  logger: Logger;
  /**
   * Records an idempotency key; false when it was seen in the last ten minutes. Keys are Slack's own unique ids:
   * event_id (Slack retries events up to 3 times) and trigger_id (a replayed command or click carries the same one).
   */
  firstSeen(kind: 'event' | 'command' | 'action' | 'view' | 'shortcut'): (id: string) => Promise<boolean>;
  now(): Date;
}
