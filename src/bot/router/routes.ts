import type {
  AllMiddlewareArgs,
  AnyMiddlewareArgs,
  BlockAction,
  SlackActionMiddlewareArgs,
  SlackCommandMiddlewareArgs,
  SlackEventMiddlewareArgs,
  SlackShortcut,
  SlackShortcutMiddlewareArgs,
  SlackViewAction,
  SlackViewMiddlewareArgs,
} from '@slack/bolt';

type Handler<Args> = (args: Args & AllMiddlewareArgs) => Promise<void>;

/** What `app.action(/.+/)`, `app.view({ callback_id: /.+/ })` and `app.shortcut(/.+/)` matched: a non-empty id. */
const ANY_ID = /.+/;

/**
 * The router's handlers and the one that each request is for. Bolt runs the filter chain of every registered
 * listener for every request (a command went through the action, view, shortcut and each event listener's filters as
 * well, about 3 µs each) and each global middleware in one more hop; the bench's acks spent a fifth more CPU than
 * bare Bolt's, most of it there (issue #21). So Opsdeck registers no Bolt listener: one middleware (bot/app.ts) looks
 * the handler up here, matching as Bolt's own `command`, `action`, `view`, `shortcut` and `event` filters did.
 */
export class Routes {
  private readonly commands = new Map<string, Handler<SlackCommandMiddlewareArgs>>();
  private readonly events = new Map<string, Handler<SlackEventMiddlewareArgs>[]>();
  private actionHandler?: Handler<SlackActionMiddlewareArgs<BlockAction>>;
  private viewHandler?: Handler<SlackViewMiddlewareArgs<SlackViewAction>>;
  private shortcutHandler?: Handler<SlackShortcutMiddlewareArgs<SlackShortcut>>;

  /** The slash command `name` (exactly, as Bolt's `app.command(name)`). */
  command(name: string, handler: Handler<SlackCommandMiddlewareArgs>): void {
    this.commands.set(name, handler);
  }

  /** Every block action with an action_id. */
  action(handler: Handler<SlackActionMiddlewareArgs<BlockAction>>): void {
    this.actionHandler = handler;
  }

  /** Every modal submission with a callback_id (not view_closed). */
  view(handler: Handler<SlackViewMiddlewareArgs<SlackViewAction>>): void {
    this.viewHandler = handler;
  }

  /** Every global or message shortcut with a callback_id. */
  shortcut(handler: Handler<SlackShortcutMiddlewareArgs<SlackShortcut>>): void {
    this.shortcutHandler = handler;
  }

  /** Events API events of `type`; several handlers of one type all run. */
  event<T extends string>(type: T, handler: Handler<SlackEventMiddlewareArgs<T>>): void {
    this.events.set(type, [...(this.events.get(type) ?? []), handler as unknown as Handler<SlackEventMiddlewareArgs>]);
  }

  /** Runs the handler `args` is for; false when there is none (Bolt then answers it as unhandled, as before). */
  async dispatch(args: AnyMiddlewareArgs & AllMiddlewareArgs): Promise<boolean> {
    const body = args.body as { type?: string; callback_id?: string; view?: { callback_id?: string } };
    if ('command' in args && args.command) return run(this.commands.get(args.command.command), args);
    if ('action' in args && args.action) {
      const id = (args.action as { action_id?: string }).action_id;
      return run(id !== undefined && ANY_ID.test(id) ? this.actionHandler : undefined, args);
    }
    if ('view' in args && args.view) {
      const matches = body.type === 'view_submission' && ANY_ID.test(body.view?.callback_id ?? '');
      return run(matches ? this.viewHandler : undefined, args);
    }
    if ('shortcut' in args && args.shortcut) {
      return run(ANY_ID.test(body.callback_id ?? '') ? this.shortcutHandler : undefined, args);
    }
    if ('event' in args && args.event) {
      const handlers = this.events.get(args.event.type) ?? [];
      await Promise.all(handlers.map((handler) => handler(args as never)));
      return handlers.length > 0;
    }
    return false;
  }
}

async function run<Args>(handler: Handler<Args> | undefined, args: AnyMiddlewareArgs & AllMiddlewareArgs) {
  if (!handler) return false;
  await handler(args as never);
  return true;
}
