import type {
  Action,
  Capability,
  DeliveredWrite,
  EventHandler,
  Shortcut,
  Subcommand,
  ViewSubmission,
} from './capability.js';
import type { JobHandler } from './queue.js';
import { compilePath, literalCount, matchPath, type PathPattern, type Route } from './routes.js';

/** A declared route with its owner and compiled path. */
export interface RegisteredRoute {
  capability: Capability;
  route: Route<unknown>;
  pattern: PathPattern;
}

/** What a request's method and path found: the route with its parameters, or the methods the path does take. */
export type RouteMatch =
  | { kind: 'route'; entry: RegisteredRoute; params: Record<string, string> }
  | { kind: 'method-not-allowed'; allowed: string[] }
  | { kind: 'not-found' };

/** A subcommand with the capability that owns it (help groups by it; logs and metrics name it). */
export interface RegisteredSubcommand {
  capability: Capability;
  subcommand: Subcommand<unknown>;
  /** `name` split into words, lowercased. */
  words: readonly string[];
}

/** Words the router owns; no capability may declare them. */
const RESERVED_SUBCOMMANDS = new Set(['help']);

/**
 * Every capability's parts, indexed once at start. Duplicates (two capabilities claiming one action id, queue or
 * webhook path) are programming errors and stop startup with a message naming both.
 */
export class Registry {
  /** In declaration order, capability by capability (help and Home list them so). */
  readonly subcommands: readonly RegisteredSubcommand[];
  /** Longest names first, so `incident declare` wins over `incident`. */
  private readonly byLength: readonly RegisteredSubcommand[];
  private readonly actions: Array<{ capability: Capability; action: Action }> = [];
  private readonly views = new Map<string, { capability: Capability; view: ViewSubmission }>();
  private readonly shortcuts = new Map<string, { capability: Capability; shortcut: Shortcut }>();
  private readonly events = new Map<string, EventHandler[]>();
  private readonly jobHandlers = new Map<string, JobHandler<unknown>>();
  /** Most literal segments first, so `/flags/bulk` wins over `/flags/:key`. */
  private readonly routeTable: RegisteredRoute[] = [];

  constructor(readonly capabilities: readonly Capability[]) {
    const owners = new Map<string, string>();
    const claim = (kind: string, key: string, capability: Capability) => {
      const id = `${kind} ${key}`;
      const owner = owners.get(id);
      if (owner) throw new Error(`${id} is declared by both ${owner} and ${capability.name}`);
      owners.set(id, capability.name);
    };
    const subcommands: RegisteredSubcommand[] = [];
    for (const capability of capabilities) {
      claim('capability', capability.name, capability);
      for (const subcommand of capability.subcommands) {
        const words = subcommand.name.toLowerCase().split(/\s+/);
        if (RESERVED_SUBCOMMANDS.has(words[0]!)) throw new Error(`subcommand ${subcommand.name} is reserved`);
        claim('subcommand', words.join(' '), capability);
        subcommands.push({ capability, subcommand, words });
      }
      for (const action of capability.actions) {
        claim('action', String(action.actionId), capability);
        this.actions.push({ capability, action });
      }
      for (const view of capability.views) {
        claim('view', view.callbackId, capability);
        this.views.set(view.callbackId, { capability, view });
      }
      for (const shortcut of capability.shortcuts) {
        claim('shortcut', shortcut.callbackId, capability);
        this.shortcuts.set(shortcut.callbackId, { capability, shortcut });
      }
      for (const handler of capability.events) {
        this.events.set(handler.type, [...(this.events.get(handler.type) ?? []), handler]);
      }
      for (const job of capability.jobs) {
        claim('queue', job.queue.name, capability);
        this.jobHandlers.set(job.queue.name, job as JobHandler<unknown>);
      }
      for (const route of capability.routes) {
        const pattern = compilePath(route.path);
        // `/flags/:key` and `/flags/:name` are one path: the claim is on the shape, not the parameter names.
        const shape = pattern.map((part) => ('literal' in part ? part.literal : ':')).join('/');
        claim('route', `${route.method} /${shape}`, capability);
        this.routeTable.push({ capability, route: route as Route<unknown>, pattern });
      }
    }
    this.subcommands = subcommands;
    this.routeTable.sort((a, b) => literalCount(b.pattern) - literalCount(a.pattern));
    this.byLength = [...subcommands].sort((a, b) => b.words.length - a.words.length);
  }

  /** The subcommand whose words start `words`, and how many words its name took. */
  findSubcommand(words: readonly string[]): { entry: RegisteredSubcommand; consumed: number } | undefined {
    const lower = words.map((word) => word.toLowerCase());
    const entry = this.byLength.find((s) => s.words.every((word, i) => lower[i] === word));
    return entry && { entry, consumed: entry.words.length };
  }

  /** Every subcommand of a capability named `word`, or whose first word is `word` (`/ops help incident`). */
  subcommandsFor(word: string): RegisteredSubcommand[] {
    const lower = word.toLowerCase();
    return this.subcommands.filter((s) => s.capability.name === lower || s.words[0] === lower);
  }

  /** A capability's subcommands, in declaration order. */
  subcommandsOf(capability: Capability): RegisteredSubcommand[] {
    return this.subcommands.filter((s) => s.capability === capability);
  }

  findAction(actionId: string): { capability: Capability; action: Action } | undefined {
    return this.actions.find(({ action }) =>
      typeof action.actionId === 'string' ? action.actionId === actionId : action.actionId.test(actionId),
    );
  }

  /** Bolt routes actions by these: exact ids and patterns alike. */
  actionIds(): Array<string | RegExp> {
    return this.actions.map(({ action }) => action.actionId);
  }

  findView(callbackId: string) {
    return this.views.get(callbackId);
  }

  findShortcut(callbackId: string) {
    return this.shortcuts.get(callbackId);
  }

  eventHandlers(type: string): readonly EventHandler[] {
    return this.events.get(type) ?? [];
  }

  eventTypes(): string[] {
    return [...this.events.keys()];
  }

  jobs(): JobHandler<unknown>[] {
    return [...this.jobHandlers.values()];
  }

  /** Tells the capability named `by` that one of its writes reached Slack (see `Capability.delivered`). */
  delivered(by: string, write: DeliveredWrite): void {
    this.capabilities.find((c) => c.name === by)?.delivered?.(write);
  }

  /** The route for `method` and `path` (no query string), else whether another method would have matched. */
  matchRoute(method: string, path: string): RouteMatch {
    const allowed: string[] = [];
    for (const entry of this.routeTable) {
      const params = matchPath(entry.pattern, path);
      if (!params) continue;
      if (entry.route.method === method) return { kind: 'route', entry, params };
      allowed.push(entry.route.method);
    }
    return allowed.length > 0 ? { kind: 'method-not-allowed', allowed: [...new Set(allowed)] } : { kind: 'not-found' };
  }
}
