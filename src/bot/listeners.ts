import type { App } from '@slack/bolt';
import type { Permissions } from '../access/permissions.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { JobQueues } from '../jobs/queues.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import { registerPingAgain } from './actions/ping-again.js';
import { registerOpsCommand } from './commands/ops-command.js';
import { dedupeEvents } from './middleware/dedupe-events.js';

/** What listeners are given: IO reaches handlers as arguments, never as imports. */
export interface BotDeps {
  slashCommand: string;
  queues: JobQueues;
  audit: AuditLog;
  permissions: Permissions;
  metrics: Metrics;
  logger: Logger;
  /** Returns false when an Events API event_id was already handled (Slack retries events up to 3 times). */
  firstSeenEvent(eventId: string): Promise<boolean>;
  now(): Date;
}

export function registerListeners(app: App, deps: BotDeps): void {
  app.use(dedupeEvents(deps.firstSeenEvent));
  registerOpsCommand(app, deps);
  registerPingAgain(app, deps);
}
