import type { App } from '@slack/bolt';
import type { Permissions } from '../access/permissions.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { JobQueues } from '../jobs/queues.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import { registerPingAgain } from './actions/ping-again.js';
import { registerOpsCommand } from './commands/ops-command.js';
import { registerAppHomeOpened } from './events/app-home-opened.js';
import { dedupeEvents } from './middleware/dedupe-events.js';

/** What listeners are given: IO reaches handlers as arguments, never as imports. */
export interface BotDeps {
  slashCommand: string;
  queues: JobQueues;
  audit: AuditLog;
  permissions: Permissions;
  metrics: Metrics;
  logger: Logger;
  /**
   * Records an idempotency key; false when it was seen in the last ten minutes. Keys are Slack's own unique ids:
   * event_id (Slack retries events up to 3 times) and trigger_id (a replayed command or click carries the same one).
   */
  firstSeen(kind: 'event' | 'command' | 'action'): (id: string) => Promise<boolean>;
  now(): Date;
}

export function registerListeners(app: App, deps: BotDeps): void {
  app.use(dedupeEvents(deps.firstSeen('event')));
  registerOpsCommand(app, deps);
  registerPingAgain(app, deps);
  registerAppHomeOpened(app, deps);
}
