import type { Registry } from 'prom-client';
import type { Permissions } from '../access/permissions.js';
import type { ApprovalGates } from '../approvals/gate.js';
import type { Catalog } from '../config/catalog.js';
import type { Logger } from '../log.js';
import type { RedisCommands } from '../redis/connections.js';
import type { SubscriptionListener } from '../redis/pubsub.js';
import type { SlackOutbox } from '../slack/outbox/outbox.js';
import type { UserNames } from '../slack/user-names.js';
import type { AuditLog } from './audit-log.js';
import type { Enqueuer } from './queue.js';

/** The Home tab, for capabilities whose Home section shows live state. */
export interface HomeRefresh {
  /**
   * What the capability shows on Home changed: Home is republished for whoever has it open (opened in the last ten
   * minutes), at most once per few seconds per user.
   */
  changed(): Promise<void>;
}

/**
 * Everything a capability may ask for in `uses`. IO reaches capabilities as these arguments, never as imports, so a
 * test can build one against a real Redis and the Slack-compatible server.
 */
export interface Services {
  /** The slash command Opsdeck answers, e.g. `/ops`. */
  slashCommand: string;
  /** A child logger named for the capability. */
  logger: Logger;
  catalog: Catalog;
  audit: AuditLog;
  /** For rules beyond "has the role" (four-eyes approvals); the router already checks each handler's role. */
  permissions: Permissions;
  jobs: Enqueuer;
  /**
   * Approval gates (`approvals.gate({ name, onApproved, … })`): the platform keeps the requests under the
   * capability's keys and owns the Approve/Reject clicks (role at click time, four-eyes, one click wins, audit).
   */
  approvals: ApprovalGates;
  /** The only way to write to Slack from a worker. */
  outbox: SlackOutbox;
  /** The commands connection (fails fast while Redis is away). */
  redis: RedisCommands;
  /**
   * Redis pub/sub, for state a capability keeps in memory on every replica (flags' evaluation cache): publish with
   * `redis.publish`, listen here. `reconnected` tells the listener messages may have been missed.
   */
  subscribe(channel: string, listener: SubscriptionListener): void;
  /** Builds the capability's own Redis keys, under its name: in `deploys`, `key('lock', 'api')` → `<prefix>:deploys:lock:api`. */
  key(...parts: string[]): string;
  /**
   * A capability's key builder by name, for its own `api.ts`: the functions it publishes build its store from
   * `keysOf('<itself>')` with the caller's services. Nothing else calls it; a capability never touches another's keys.
   */
  keysOf(capability: string): (...parts: string[]) => string;
  /** Where capabilities declare their own metrics (bounded labels only). */
  metrics: Registry;
  /** This process's name, as `/ops ping` reports it. */
  workerId: string;
  /**
   * The one clock. Capability code reads the time here, never `Date.now()`/`new Date()` (the lint forbids them outside
   * the platform), so a test can drive it through `startOpsdeck({ now })`.
   */
  now(): Date;
  home: HomeRefresh;
  /** Display names of Slack users, for text Slack does not format (topics, plain-text lines). */
  names: UserNames;
}
