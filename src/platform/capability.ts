import { z } from 'zod';
import type { ApprovalGateDefinition } from '../approvals/gate.js';
import type { CapabilityConfig } from '../config/compose.js';
import type { Block, Message } from './blocks.js';
import type { Grammar } from './grammar/index.js';
import type { JobHandler } from './queue.js';
import type { Route } from './routes.js';

/** Capability authors find everything they declare here; the job types live with the queue declaration. */
export type { JobContext, JobHandler } from './queue.js';
export { type Route, type RouteAuth, type RouteRequest, type RouteResponse, route, webhook } from './routes.js';

import type { DeliveredWrite } from '../slack/outbox/delivery.js';
import type { Services } from './services.js';

export type { DeliveredWrite } from '../slack/outbox/delivery.js';

/**
 * A capability is one folder, `src/<capability>/`, whose `index.ts` exports one definition built with
 * `defineCapability`. The composition root lists the capabilities once (`src/capabilities.ts`); the router around
 * them does dedupe, the permission check, the audit entry and error replies, so no handler can forget them.
 */
export interface Capability {
  /** `[a-z][a-z0-9-]*`; groups help and the Home tab, names the capability in logs. */
  name: string;
  /** Heading in `/ops help` and on the Home tab. */
  title: string;
  subcommands: readonly Subcommand<unknown>[];
  actions: readonly Action[];
  views: readonly ViewSubmission[];
  shortcuts: readonly Shortcut[];
  events: readonly EventHandler[];
  jobs: readonly JobHandler<unknown>[];
  /** HTTP endpoints, webhooks included (see `Route`). */
  routes: readonly Route<unknown>[];
  /** Requests that need approval: each gives Approve/Reject router actions (see `ApprovalGateDefinition`). */
  approvals: readonly ApprovalGateDefinition[];
  /** The capability's section of the Home tab, for the user who opened it. */
  home?: (viewer: { userId: string }) => Promise<Block[]> | Block[];
  /**
   * Told when a Slack write it gave an `origin` reached Slack (`outbox.post/update({ origin: { at } })`), in whichever
   * process delivered it: `seconds` since `origin.at`, e.g. alerts' webhook → Slack latency.
   */
  delivered?: (write: DeliveredWrite) => void;
}

/**
 * Who may do it. `role` names a role from ops.yml; absent, everyone may. The router checks it before the handler runs
 * and audits the refusal.
 */
export interface Guarded {
  role?: string;
  /**
   * True when the handler changes something (enqueues a deploy, toggles a flag, acknowledges an alert): the router
   * writes an audit entry for it, with `audit()`'s target, whether it succeeded or failed.
   */
  changes: boolean;
  /**
   * The audit entry's action, `<capability>.<verb>`; defaults to one made from the name (`auditActionOf`):
   * `deploys.deploy`, `incidents.declare` (subcommand `incident declare`), `deploys.cancel` (action `deploy_cancel`).
   */
  auditAction?: string;
}

/**
 * `<capability>.<verb>` from a subcommand name, action id or callback id: its words (split on spaces, `_` and `:`)
 * joined by `-`, less a first word naming the capability (`incident`, `incidents:`, `deploy_`) when others follow.
 * One pattern for every entry, so `/ops audit` and an export can be searched by capability and verb.
 */
export function auditActionOf(capability: string, name: string): string {
  const words = name
    .toLowerCase()
    .split(/[\s_:.]+/)
    .filter(Boolean);
  const singular = capability.replace(/s$/, '');
  if (words.length > 1 && (words[0] === capability || words[0] === singular)) words.shift();
  return `${capability}.${words.join('-')}`;
}

/**
 * What a handler returns when it changed nothing (Retry on a deploy that is not interrupted, Silence with no
 * Alertmanager): the router tells the user `unchanged` and audits the call as `noop`, not `ok`.
 */
export interface Unchanged {
  unchanged: string;
}

export function unchanged(reason: string): Unchanged {
  return { unchanged: reason };
}

export function isUnchanged(value: unknown): value is Unchanged {
  return typeof value === 'object' && value !== null && typeof (value as Unchanged).unchanged === 'string';
}

/** One `/ops` subcommand. Its usage is derived from `grammar`, so help cannot drift from what is parsed. */
export interface Subcommand<A> extends Guarded {
  /** The leading words, e.g. `deploy` or `incident declare`. */
  name: string;
  /** One line for `/ops help`. */
  summary: string;
  grammar: Grammar<A>;
  /** Text after the slash command that works as written, for `/ops help <name>`. */
  example?: string;
  /**
   * The audit target of a change (e.g. `api/production`); defaults to the subcommand name. `where` is the channel it
   * was run in, for subcommands that act on what the channel stands for (an incident's channel).
   */
  auditTarget?(args: A, where: { channelId: string }): string;
  // biome-ignore lint/suspicious/noConfusingVoidType: a handler that changed something just returns.
  run(ctx: CommandContext<A>): Promise<void | Unchanged>;
}

/**
 * Declares a subcommand, inferring its argument type from `grammar`, so `run` and `auditTarget` see typed `args`.
 */
export function subcommand<A>(definition: Subcommand<A>): Subcommand<A> {
  return definition;
}

/** Who asked, from the signed payload: the only identity handlers may trust. */
export interface Caller {
  userId: string;
  /** Absent for Home-tab buttons, global shortcuts and modals. */
  channelId?: string;
}

export interface CommandContext<A> extends Caller {
  args: A;
  channelId: string;
  triggerId: string;
  responseUrl: string;
  /** Ephemeral to the caller: the first reply is the ack itself, later ones go through the response_url. */
  reply(message: Message): Promise<void>;
  /** Acknowledges with nothing yet, before slow work; replies then arrive through the response_url. */
  ackNow(): Promise<void>;
}

/** A button or select, by `action_id` (a string, or a pattern for families such as `silence_1h`, `silence_4h`). */
export interface Action extends Guarded {
  actionId: string | RegExp;
  /**
   * What the clicked element's value must be (a deploy id, `<group>:<epoch>`): checked by the router before
   * `auditTarget`, `roleFor` and `run` see it. A value that fails is refused and audited as `invalid`, never stored.
   * Absent: `BUTTON_VALUE` (printable text only).
   */
  value?: z.ZodType<string>;
  /** Audit target from the clicked element's value (checked by `value`); defaults to the action id. */
  auditTarget?(value: string | undefined): string;
  /**
   * The role this click needs when it depends on what was clicked (an approval's policy names who may approve): read
   * by the router at click time, before `run`, in place of `role`. Undefined: no role needed.
   */
  roleFor?(click: { value?: string; userId: string }): Promise<string | undefined>;
  // biome-ignore lint/suspicious/noConfusingVoidType: a handler that changed something just returns.
  run(ctx: ActionContext): Promise<void | Unchanged>;
}

/**
 * A button value Opsdeck made: at most Slack's 2,000 characters and no control characters (a value is signed by
 * Slack, but whoever clicks can send any value the app's request URL accepts a signature for).
 */
export const BUTTON_VALUE: z.ZodType<string> = z
  .string()
  .max(2000)
  .regex(/^[^\p{Cc}\p{Cf}]*$/u, { error: 'has control or format characters' });

/** A value that is a decimal id, as deploys and incidents number theirs. */
export const NUMERIC_ID: z.ZodType<string> = z.string().regex(/^\d{1,12}$/, { error: 'is not an id' });

export interface ActionContext extends Caller {
  actionId: string;
  blockId?: string;
  /** The clicked button's `value`, or the chosen option's value. */
  value?: string;
  triggerId: string;
  responseUrl?: string;
  /** Where the clicked message is, when it is a channel message. */
  message?: { channelId: string; ts: string };
  /** Answers the clicker through the action's response_url (ephemeral unless `replaceOriginal`). */
  respond(message: Message, options?: { replaceOriginal?: boolean }): Promise<void>;
}

/** A modal's submission, by `callback_id`. Returning errors keeps the modal open with them shown. */
export interface ViewSubmission extends Guarded {
  callbackId: string;
  auditTarget?(privateMetadata: string): string;
  // biome-ignore lint/suspicious/noConfusingVoidType: a handler that keeps no errors just returns.
  run(ctx: ViewContext): Promise<void | { errors: Record<string, string> }>;
}

export interface ViewContext extends Caller {
  callbackId: string;
  privateMetadata: string;
  /** `state.values` as Slack sends it: block id → action id → element state. */
  values: Record<string, Record<string, { value?: string | null; selected_option?: { value: string } | null }>>;
  triggerId: string;
  /**
   * The submitted view's id: a modal closes on the submission that passes, so it names one request (a key for work
   * that must happen once however often Slack delivers the submission).
   */
  viewId: string;
}

/** A global or message shortcut, by `callback_id`. */
export interface Shortcut extends Guarded {
  callbackId: string;
  // biome-ignore lint/suspicious/noConfusingVoidType: a handler that changed something just returns.
  run(ctx: ShortcutContext): Promise<void | Unchanged>;
}

export interface ShortcutContext extends Caller {
  callbackId: string;
  triggerId: string;
  /** Message shortcuts: the message it was used on. */
  message?: { channelId: string; ts: string; text: string };
}

/** An Events API event by type (after dedupe on `event_id`). */
export interface EventHandler {
  type: string;
  run(event: Record<string, unknown>): Promise<void>;
}

/** What a capability's builder returns: every part optional. */
export type CapabilityParts = Partial<Omit<Capability, 'name' | 'title'>>;

export interface CapabilityDefinition<U extends keyof Services = keyof Services> {
  name: string;
  title: string;
  /**
   * Its part of ops.yml (`defineConfig` in the capability's `config.ts`): the section named after it, fields under
   * `services.<name>`, cross-checks. The catalog schema is composed from these (`src/catalog.ts`).
   */
  config?: CapabilityConfig;
  /** The services the capability uses; its builder receives exactly these, not the whole dependency bag. */
  uses: readonly U[];
  build(services: Pick<Services, U>): CapabilityParts;
}

/** Declares a capability; `build` runs once per process with the services it named in `uses`. */
export function defineCapability<const U extends keyof Services>(
  definition: CapabilityDefinition<U>,
): CapabilityDefinition<U> {
  if (!/^[a-z][a-z0-9-]*$/.test(definition.name)) {
    throw new Error(`capability name ${definition.name} must match [a-z][a-z0-9-]*`);
  }
  if (definition.config && definition.config.name !== definition.name) {
    throw new Error(`capability ${definition.name} declares the config of ${definition.config.name}`);
  }
  return definition;
}

/** Builds a capability with the services it asked for, and only those. */
export function buildCapability<U extends keyof Services>(
  definition: CapabilityDefinition<U>,
  services: Services,
): Capability {
  const picked = Object.fromEntries(definition.uses.map((name) => [name, services[name]])) as Pick<Services, U>;
  const parts = definition.build(picked);
  return {
    name: definition.name,
    title: definition.title,
    subcommands: parts.subcommands ?? [],
    actions: parts.actions ?? [],
    views: parts.views ?? [],
    shortcuts: parts.shortcuts ?? [],
    events: parts.events ?? [],
    jobs: parts.jobs ?? [],
    routes: parts.routes ?? [],
    approvals: parts.approvals ?? [],
    home: parts.home,
    delivered: parts.delivered,
  };
}
