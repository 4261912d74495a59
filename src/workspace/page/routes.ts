import type { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { WorkspaceApp } from '../app-manifest.js';
import type { RecordedCall } from '../controls/recorder.js';
import type { Interactions } from '../delivery/interactions.js';
import type { PayloadContext } from '../delivery/payloads.js';
import { type PeopleActions, PersonActionRefused } from '../delivery/people.js';
import type { RequestLog } from '../delivery/request-log.js';
import type { WorkspaceState, WorkspaceView } from '../state.js';
import { fileType } from '../web-api/shapes.js';
import type { TriggerRegistry } from '../web-api/triggers.js';
import { DemoActionFailed, type DemoPanel, demoRunSchema } from './demo-panel.js';
import { EMOJI_PATH, emojiByShortcode } from './emoji.js';
import { canSeeChannel, PAGE_FILES_PATH, snapshotFor, streamEventFor } from './snapshot.js';
import { openStream, serveStatic } from './static.js';
import { viewBlockActionsPayload, viewClosedPayload } from './view-payloads.js';

/**
 * The browser page's routes on the workspace server (issue #3): the page itself, a per-user state snapshot and live
 * stream, and the person's actions, sent to the bot signed exactly as Slack sends them. Answers false for any other
 * path so the server's own routing goes on.
 */
export interface UiDeps {
  state: WorkspaceState;
  events: EventEmitter;
  calls: RecordedCall[];
  interactions: Interactions;
  /** A person's pins and reactions (the bot gets the same events as for its own). */
  people: PeopleActions;
  requestLog: RequestLog;
  payloads: PayloadContext;
  triggers: TriggerRegistry;
  now: () => number;
  logger?: Logger;
  /** The app as its manifest declares it; absent: every command typed on the page goes to the app. */
  app?: WorkspaceApp;
  /** The Demo panel local mode set, if any (read at each request: it is set once Opsdeck listens). */
  demo?: () => DemoPanel | undefined;
}

/** Slackbot's user id: Slack's client answers a command no app owns as Slackbot, visible only to the typist. */
export const SLACKBOT = 'USLACKBOT';

/** What Slack's client says to a command that no app in the workspace owns (it never reaches an app). */
export function notACommand(command: string): string {
  return (
    `\`${command}\` is not a valid command. In Slack, all messages that start with the "/" character are interpreted ` +
    'as commands. If you are trying to send a message and not run a command, try preceding the "/" with an empty space.'
  );
}

export type UiRoutes = (req: IncomingMessage, res: ServerResponse, url: URL, raw: string) => Promise<boolean>;

const id = z.string().min(1).max(64);
const option = z.object({ value: z.string().max(2000), text: z.string().max(2000).optional() });
const stateValues = z.record(
  z.string(),
  z.record(z.string(), z.union([z.string(), z.record(z.string(), z.unknown())])),
);

const commandSchema = z.object({
  userId: id,
  channelId: id,
  text: z
    .string()
    .max(4000)
    .regex(/^\/[^\s/]+/, 'must start with a slash command'),
});
const actionSchema = z
  .object({
    userId: id,
    channelId: id.optional(),
    messageTs: id.optional(),
    viewId: id.optional(),
    actionId: z.string().min(1).max(255),
    blockId: z.string().max(255).optional(),
    value: z.string().max(2000).optional(),
    selectedOption: option.optional(),
    /** The view's current input values, as Slack's client keeps them in `view.state.values`. */
    values: stateValues.optional(),
  })
  .refine((b) => b.viewId || (b.channelId && b.messageTs), 'needs viewId, or channelId and messageTs');
const submissionSchema = z.object({ userId: id, viewId: id, values: stateValues });
const closeSchema = z.object({ userId: id, viewId: id, all: z.boolean().optional() });
const messageSchema = z.object({
  userId: id,
  channelId: id,
  text: z.string().min(1).max(40_000),
  threadTs: id.optional(),
});
const homeSchema = z.object({ userId: id });
const messageRefSchema = z.object({ userId: id, channelId: id, ts: id });
const reactSchema = messageRefSchema.extend({ name: z.string().min(1).max(100) });
const shortcutSchema = messageRefSchema.extend({ callbackId: z.string().min(1).max(255) });

class BadRequest extends Error {}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): true {
  if (res.writableEnded || res.destroyed) return true;
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  res.end(JSON.stringify(body));
  return true;
}

function parse<T>(schema: z.ZodType<T>, req: IncomingMessage, raw: string): T {
  // JSON only: a cross-site form cannot send it without a CORS preflight, which this server never grants.
  if (!(req.headers['content-type'] ?? '').startsWith('application/json')) throw new BadRequest('expected JSON');
  let body: unknown;
  try {
    body = JSON.parse(raw);
  } catch {
    throw new BadRequest('invalid JSON');
  }
  const result = schema.safeParse(body);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new BadRequest(`${issue?.path.join('.') || 'body'}: ${issue?.message ?? 'invalid'}`);
  }
  return result.data;
}

const slackTs = (ms: number) => (ms / 1000).toFixed(6);

export function createUiRoutes(deps: UiDeps): UiRoutes {
  const { state, interactions } = deps;
  const log = deps.logger?.child({ module: 'workspace.ui' });

  const user = (userId: string) => {
    const found = state.users.get(userId);
    if (!found || found.isBot) throw new BadRequest(`unknown user ${userId}`);
    return found;
  };
  const memberChannel = (userId: string, channelId: string) => {
    const channel = state.channels.get(channelId);
    if (!channel?.members.includes(userId)) throw new BadRequest(`${userId} is not in ${channelId}`);
    return channel;
  };
  const ownView = (userId: string, viewId: string): WorkspaceView => {
    const view = state.views.get(viewId);
    if (!view || view.userId !== userId || !state.isOpen(view)) throw new BadRequest(`no open view ${viewId}`);
    return view;
  };
  const answer = (res: ServerResponse, r: { status: number; ackMs: number; body: unknown }) =>
    json(res, 200, { status: r.status, ackMs: Math.round(r.ackMs), body: r.body });

  async function post(path: string, req: IncomingMessage, res: ServerResponse, raw: string): Promise<boolean> {
    switch (path) {
      case '/workspace/command': {
        const body = parse(commandSchema, req, raw);
        user(body.userId);
        memberChannel(body.userId, body.channelId);
        const [, command = '', text = ''] = /^(\S+)\s*([\s\S]*)$/.exec(body.text.trim()) ?? [];
        if (deps.app && !deps.app.commands.some((c) => c.command === command)) {
          // Slack's client answers at once, as Slackbot, and no request reaches any app.
          state.addMessage({
            channel: body.channelId,
            user: SLACKBOT,
            text: notACommand(command),
            ephemeralFor: body.userId,
          });
          return json(res, 200, { status: 0, ackMs: 0, body: null });
        }
        return answer(res, await interactions.sendCommand({ ...body, command, text: text.trim() }));
      }
      case '/workspace/action': {
        const body = parse(actionSchema, req, raw);
        user(body.userId);
        if (!body.viewId) {
          memberChannel(body.userId, body.channelId!);
          const message = state.getMessage(body.channelId!, body.messageTs!);
          if (!message || (message.ephemeralFor && message.ephemeralFor !== body.userId)) {
            throw new BadRequest(`no message ${body.messageTs} in ${body.channelId}`);
          }
          return answer(
            res,
            await interactions.sendBlockAction({ ...body, channelId: body.channelId!, messageTs: body.messageTs! }),
          );
        }
        const view = ownView(body.userId, body.viewId);
        if (body.values) mergeValues(view, body.values);
        const payload = viewBlockActionsPayload(deps.payloads, {
          ...body,
          view,
          triggerId: deps.triggers.issue(body.userId),
          actionTs: slackTs(deps.now()),
        });
        return answer(res, await sendPayload(payload));
      }
      case '/workspace/view-submission': {
        const body = parse(submissionSchema, req, raw);
        const view = ownView(body.userId, body.viewId);
        if (view.type !== 'modal') throw new BadRequest(`${body.viewId} is not a modal`);
        return answer(res, await interactions.sendViewSubmission(body));
      }
      case '/workspace/view-close': {
        const body = parse(closeSchema, req, raw);
        const view = ownView(body.userId, body.viewId);
        const stack = state.modalStack(body.userId);
        // The × closes the whole stack (Slack's is_cleared); "Back" closes only the top view.
        const target = body.all ? (stack[0] ?? view) : view;
        state.closeModal(target);
        if (view.view.notify_on_close === true) {
          const payload = viewClosedPayload(deps.payloads, {
            userId: body.userId,
            view,
            isCleared: !!body.all && stack.length > 1,
          });
          return answer(res, await sendPayload(payload));
        }
        return json(res, 200, { status: 0, ackMs: 0, body: null });
      }
      case '/workspace/message': {
        const body = parse(messageSchema, req, raw);
        user(body.userId);
        memberChannel(body.userId, body.channelId);
        const message = state.addMessage({
          channel: body.channelId,
          user: body.userId,
          text: body.text,
          threadTs: body.threadTs,
        });
        return json(res, 200, { ok: true, ts: message.ts });
      }
      case '/workspace/pin': {
        await deps.people.pin(parse(messageRefSchema, req, raw));
        return json(res, 200, { ok: true });
      }
      case '/workspace/react': {
        await deps.people.react(parse(reactSchema, req, raw));
        return json(res, 200, { ok: true });
      }
      case '/workspace/message-shortcut': {
        const body = parse(shortcutSchema, req, raw);
        deps.people.visibleMessage(body);
        const declared = deps.app?.shortcuts.some((s) => s.type === 'message' && s.callbackId === body.callbackId);
        // Checked here too so the page gets a 400, not a failed delivery.
        if (deps.app && !declared) throw new BadRequest(`no message shortcut ${body.callbackId}`);
        return answer(res, await interactions.sendMessageShortcut(body));
      }
      case '/workspace/demo': {
        const { action } = parse(demoRunSchema, req, raw);
        const panel = deps.demo?.();
        const found = panel?.actions.find((a) => a.id === action);
        if (!panel || !found || found.command) throw new BadRequest(`no demo action ${action}`);
        try {
          return json(res, 200, { ok: true, text: await panel.run(action) });
        } catch (err) {
          if (!(err instanceof DemoActionFailed)) throw err;
          return json(res, 502, { error: err.message });
        }
      }
      case '/workspace/home-opened': {
        const body = parse(homeSchema, req, raw);
        user(body.userId);
        const im = state.openIm(body.userId);
        const home = state.homeViews.get(body.userId);
        const event = { type: 'app_home_opened', user: body.userId, channel: im.id, tab: 'home' };
        const view = home ? state.views.get(home)?.view : undefined;
        return answer(res, await interactions.sendEvent(view ? { ...event, view } : event));
      }
      default:
        return false;
    }
  }

  /** The values the person typed so far become the view's state, as in Slack's client. */
  function mergeValues(view: WorkspaceView, values: z.infer<typeof stateValues>): void {
    const viewState = (view.view.state ?? {}) as { values?: Record<string, Record<string, unknown>> };
    const current = viewState.values ?? {};
    view.view.state = { ...viewState, values: current };
    for (const [blockId, actions] of Object.entries(values)) {
      current[blockId] = { ...current[blockId], ...actions };
    }
  }

  function sendPayload(payload: Record<string, unknown>) {
    return interactions.sendRaw({
      body: new URLSearchParams({ payload: JSON.stringify(payload) }).toString(),
      contentType: 'application/x-www-form-urlencoded',
    });
  }

  /** A shared file's content, for a person who can see a conversation it was shared in (Slack's file viewer). */
  function serveFile(res: ServerResponse, url: URL): true {
    const fileId = url.pathname.slice(PAGE_FILES_PATH.length).split('/')[0] ?? '';
    const userId = url.searchParams.get('user') ?? '';
    user(userId);
    const file = state.files.get(fileId);
    const visible = file?.shares.some((s) => {
      const channel = state.channels.get(s.channel);
      return channel && canSeeChannel(channel, userId);
    });
    if (!file?.content || !visible) return json(res, 404, { error: `no file ${fileId}` });
    const download = url.searchParams.get('download') === '1';
    res.writeHead(200, {
      'content-type': fileType(file.name).mimetype,
      'content-length': file.content.length,
      // Never rendered as a page of this origin: uploaded HTML or SVG must not run script here.
      'content-security-policy': "default-src 'none'; sandbox",
      'x-content-type-options': 'nosniff',
      'content-disposition': `${download ? 'attachment' : 'inline'}; filename*=UTF-8''${encodeURIComponent(file.name)}`,
    });
    res.end(file.content);
    return true;
  }

  function exportRecordings(res: ServerResponse): true {
    const exportedAt = new Date(deps.now()).toISOString();
    const body = {
      exportedAt,
      requests: deps.requestLog.entries.map(({ id: _id, ...entry }) => entry),
      calls: deps.calls,
    };
    const file = `opsdeck-recordings-${exportedAt.replace(/[:.]/g, '-')}.json`;
    return json(res, 200, body, { 'content-disposition': `attachment; filename="${file}"` });
  }

  return async (req, res, url, raw) => {
    const path = url.pathname;
    try {
      if (req.method === 'POST') return await post(path, req, res, raw);
      if (req.method !== 'GET' && req.method !== 'HEAD') return false;
      if (path === '/' || path === '/index.html') {
        await serveStatic(res, 'index.html');
        return true;
      }
      if (path === EMOJI_PATH) return json(res, 200, emojiByShortcode(), { 'cache-control': 'max-age=86400' });
      if (path.startsWith('/page/')) {
        await serveStatic(res, decodeURIComponent(path.slice('/page/'.length)));
        return true;
      }
      if (path === '/workspace/export') return exportRecordings(res);
      if (path === '/workspace/demo') return json(res, 200, { actions: deps.demo?.()?.actions ?? [] });
      if (path.startsWith(PAGE_FILES_PATH)) return serveFile(res, url);
      if (path !== '/workspace/state' && path !== '/workspace/stream') return false;
      // No user named (first visit): the first person in the workspace.
      const userId = (url.searchParams.get('user') || [...state.users.values()].find((u) => !u.isBot)?.id) ?? '';
      user(userId);
      if (path === '/workspace/state') return json(res, 200, snapshotFor(state, deps.requestLog, userId, deps.app));
      openStream(
        res,
        deps.events,
        (name, data) => streamEventFor(state, userId, name, data),
        (err) => log?.error({ err }, 'stream event failed'),
      );
      return true;
    } catch (err) {
      if (err instanceof BadRequest || err instanceof PersonActionRefused || err instanceof URIError) {
        return json(res, 400, { error: err.message });
      }
      // The bot did not answer (down, timeout): the page shows it as Slack would show a failed command.
      log?.warn({ err, path }, 'workspace page request failed');
      return json(res, 502, { error: err instanceof Error ? err.message : String(err) });
    }
  };
}
