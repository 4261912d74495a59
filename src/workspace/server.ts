import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { WorkspaceApp } from './app-manifest.js';
import { type FaultSpec, Faults } from './controls/faults.js';
import { CallRecorder, type RecordedCall } from './controls/recorder.js';
import { EventSubscriptions } from './delivery/events.js';
import {
  type BlockActionInput,
  type CommandInput,
  type EventOptions,
  Interactions,
  type MessageShortcutInput,
  type ViewSubmissionInput,
} from './delivery/interactions.js';
import { type MessageRef, PeopleActions } from './delivery/people.js';
import { RecordingTransport, RequestLog } from './delivery/request-log.js';
import { ResponseUrls } from './delivery/response-urls.js';
import { SocketModeHub } from './delivery/socket-mode.js';
import { type BotResponse, HttpTransport, type SignedRequestInput } from './delivery/transport.js';
import type { DemoPanel } from './page/demo-panel.js';
import { createUiRoutes, type UiRoutes } from './page/routes.js';
import { type StateJournal, type StoredWorkspace, WorkspaceState } from './state.js';
import { FILES_PRI_PATH, fileAtPrivatePath, pendingUpload, UPLOAD_PATH, uploadedBytes } from './web-api/files.js';
import { type Params, parseApiParams, str, tryJson } from './web-api/form.js';
import { type ApiContext, type ApiResult, checkAuth, isKnownMethod, WEB_API_METHODS } from './web-api/methods.js';
import { RateLimiter } from './web-api/rate-limits.js';
import { fileType } from './web-api/shapes.js';
import { TriggerRegistry } from './web-api/triggers.js';

export type { WorkspaceApp } from './app-manifest.js';
export type { FaultSpec, HeldRequest } from './controls/faults.js';
export type { RecordedCall } from './controls/recorder.js';
export type {
  BlockActionInput,
  CommandInput,
  EventOptions,
  MessageShortcutInput,
  ViewSubmissionInput,
} from './delivery/interactions.js';
export type { MessageRef } from './delivery/people.js';
export type { LoggedRequest, RequestSummary } from './delivery/request-log.js';
export type { BotResponse, SignedRequestInput } from './delivery/transport.js';
export type { WorkspaceState } from './state.js';

export interface SlackServerOptions {
  /** Defaults to 0 (a free port) on 127.0.0.1. */
  port?: number;
  host?: string;
  botToken: string;
  signingSecret: string;
  /** The bot's POST endpoint, e.g. http://127.0.0.1:3000/slack/events; can be set later with setRequestUrl. */
  requestUrl?: string;
  /**
   * The app-level token (`xapp-…`) of an app with Socket Mode on: requests then travel over the WebSocket connections
   * the bot opens with `apps.connections.open`, never to a request URL.
   */
  appToken?: string;
  teamId?: string;
  teamDomain?: string;
  appId?: string;
  botUserId?: string;
  botId?: string;
  /** Seeded users; the bot user is added automatically. */
  users?: Array<{ id: string; name: string; realName?: string; isAdmin?: boolean }>;
  /**
   * Seeded channels. Without `members`, every seeded user and the bot are members. A private channel without the
   * bot among its members is invisible to the bot (`channel_not_found`), as on Slack.
   */
  channels?: Array<{ id: string; name: string; members?: string[]; isPrivate?: boolean }>;
  /** User group id (`S…`) → user ids. */
  usergroups?: Record<string, string[]>;
  /** Enforce Slack's rate limits (429 + Retry-After). Default true; turn off for benchmarks. */
  rateLimits?: boolean;
  /**
   * The app as its manifest declares it (appFromManifest): a command typed on the page that is not one of its slash
   * commands gets Slack's "not a valid command" answer from Slackbot and never reaches the app; only its bot_events
   * are delivered. Absent: every command and every event goes to the app, and it has no shortcuts.
   */
  app?: WorkspaceApp;
  /**
   * A workspace a previous run stored (local mode, src/workspace/store.ts), and the journal that keeps storing it.
   * Absent, as in tests and benches, the workspace lives in memory only.
   */
  persistence?: { restore?: StoredWorkspace; journal: StateJournal };
  /** Clock in ms for trigger/response_url expiry, rate limits and message ts; defaults to Date.now. */
  now?: () => number;
  logger?: Logger;
}

export interface SlackServer {
  url: string;
  /** `${url}/api/`: give it to the WebClient as `slackApiUrl`. */
  apiUrl: string;
  state: WorkspaceState;
  calls: RecordedCall[];
  /** Every signed request sent to the bot (also emitted as `request` events): the page's log and its export. */
  requests: RequestLog;
  /** `call`, `held`, `delivery`, `ack_rejected` and state changes (`message`, `message_changed`, `view_opened`, …). */
  events: EventEmitter;
  waitForCall(predicate: (c: RecordedCall) => boolean, timeoutMs?: number): Promise<RecordedCall>;
  faults: {
    failNext(target: string, fault: FaultSpec): void;
    /** Every matching request fails with `fault` for `ms` (until `clear()` when omitted): a Slack outage. */
    failFor(target: string, fault: FaultSpec, ms?: number): { clear(): void };
    /** Matching requests hang until released: before they are applied, or (`afterApplying`) before they are answered. */
    hold(target: string, options?: { afterApplying?: boolean }): { release(): void };
  };
  setRequestUrl(url: string): void;
  /** Shows the page's Demo panel (local mode, once Opsdeck listens); see page/demo-panel.ts. */
  setDemoPanel(panel: DemoPanel): void;
  /** Present when `appToken` was given. */
  socketMode?: {
    connections(): number;
    /** Envelopes each open connection was handed, in the order they connected (each goes to one connection). */
    deliveries(): number[];
    /** Sends `disconnect` to every connection, as Slack does before it recycles a server. */
    disconnectAll(reason: 'refresh_requested' | 'warning' | 'link_disabled'): void;
  };
  sendCommand(input: CommandInput): Promise<BotResponse & { responseUrl: string; triggerId: string }>;
  sendBlockAction(input: BlockActionInput): Promise<BotResponse>;
  sendViewSubmission(input: ViewSubmissionInput): Promise<BotResponse>;
  sendEvent(event: Record<string, unknown>, opts?: EventOptions): Promise<BotResponse>;
  /** A person uses a message shortcut on a message: the bot gets a `message_action` payload. */
  messageShortcut(input: MessageShortcutInput): Promise<BotResponse & { responseUrl: string; triggerId: string }>;
  /**
   * A person pins a message / adds a reaction (not the bot: it uses pins.add / reactions.add). Resolves once the
   * resulting `pin_added` / `reaction_added` event (when subscribed) has been delivered and acked.
   */
  pin(input: MessageRef): Promise<void>;
  react(input: MessageRef & { name: string }): Promise<void>;
  /** Sends any body to the bot, signed unless `sign: false`, for forged/stale-request tests. */
  sendRaw(input: SignedRequestInput): Promise<BotResponse>;
  close(): Promise<void>;
}

/** Bodies above this are refused (Slack's own limits are far lower for every method served here). */
const MAX_BODY_BYTES = 5 * 1024 * 1024;

function readBody(req: IncomingMessage): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on('end', () => resolve(size > MAX_BODY_BYTES ? null : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  // A request held past close() finds its socket gone.
  if (res.destroyed || res.writableEnded) return;
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  res.end(JSON.stringify(body));
}

/** True when the client hung up (killed while its request was held): Slack would never have seen the request. */
/** Resolves when the response's connection closes before it was answered (the sender went away). */
function closeOf(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => res.once('close', () => resolve()));
}

function senderGone(res: ServerResponse): boolean {
  return res.destroyed || !res.socket || res.socket.destroyed;
}

function bearer(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)$/i.exec(header ?? '');
  return match?.[1];
}

/** A fault's answer: 429 carries Retry-After like Slack's. */
function faultAnswer(fault: FaultSpec): { status: number; body: ApiResult; headers: Record<string, string> } {
  if (fault.status === 429) {
    return {
      status: 429,
      body: { ok: false, error: fault.error ?? 'ratelimited' },
      headers: { 'retry-after': String(fault.retryAfter ?? 1) },
    };
  }
  return { status: fault.status, body: { ok: false, error: fault.error ?? 'internal_error' }, headers: {} };
}

/** Starts a Slack-compatible server: Web API + response_urls in, signed requests to the bot out. */
export async function createSlackServer(options: SlackServerOptions): Promise<SlackServer> {
  const now = options.now ?? Date.now;
  const log = options.logger?.child({ module: 'workspace.slack-server' });
  const events = new EventEmitter();
  // Tests and the UI may attach many listeners (waitForCall per assertion); none of them is a leak.
  events.setMaxListeners(0);
  const teamDomain = options.teamDomain ?? 'opsdeck';
  const state = new WorkspaceState({
    teamId: options.teamId ?? 'T0OPSDECK1',
    appId: options.appId ?? 'A0OPSDECK1',
    botUserId: options.botUserId ?? 'U0OPSBOT01',
    botId: options.botId ?? 'B0OPSBOT01',
    botName: 'opsdeck',
    now,
    events,
    users: options.users,
    channels: options.channels,
    usergroups: options.usergroups,
    ...(options.persistence?.restore ? { restore: options.persistence.restore } : {}),
    ...(options.persistence ? { journal: options.persistence.journal } : {}),
  });
  const triggers = new TriggerRegistry(now);
  const responseUrls = new ResponseUrls(state, now);
  const recorder = new CallRecorder(events);
  const faults = new Faults(events, now);
  const limiter = options.rateLimits === false ? undefined : new RateLimiter({ now });
  const requestLog = new RequestLog(events, now);
  let requestUrl = options.requestUrl;
  let baseUrl = '';
  const socketMode = options.appToken
    ? new SocketModeHub({ appId: state.appId, baseUrl: () => baseUrl, events, now })
    : undefined;
  const ctx: ApiContext = {
    state,
    triggers,
    teamName: teamDomain,
    teamDomain,
    now,
    baseUrl: () => baseUrl,
    socketUrl: socketMode && (() => socketMode.issueUrl()),
  };
  const tokens = { bot: options.botToken, app: options.appToken };
  const sender = new RecordingTransport(
    socketMode ?? new HttpTransport(options.signingSecret, () => requestUrl),
    requestLog,
    now,
  );
  let closed = false;
  // The browser page's routes (ui-routes.ts); set once the interactions they drive exist.
  let ui: UiRoutes | undefined;

  async function handleApi(
    req: IncomingMessage,
    res: ServerResponse,
    path: string,
    raw: string,
    query: URLSearchParams,
  ) {
    const method = path.slice('/api/'.length);
    const at = now();
    const parsed = parseApiParams(req.headers['content-type'], raw, query);
    const params: Params = parsed.ok ? parsed.params : {};
    const { token: bodyToken, ...recordedParams } = params;
    const answer = (status: number, body: ApiResult, headers: Record<string, string> = {}) => {
      send(res, status, body, headers);
      log?.debug({ method, status, error: body.error }, 'web api call');
      recorder.record({ method, params: recordedParams, response: body, status, path, at });
    };

    const gone = closeOf(res);
    await faults.waitIfHeld(method, recordedParams, gone);
    // A sender that died while held never finished its request: like Slack, apply nothing.
    if (closed || senderGone(res)) return;
    const fault = faults.take(method);
    if (fault && !fault.afterApplying) {
      const f = faultAnswer(fault);
      return answer(f.status, f.body, f.headers);
    }
    if (!parsed.ok) return answer(200, { ok: false, error: parsed.error });
    if (!isKnownMethod(method)) return answer(200, { ok: false, error: 'unknown_method', req_method: method });
    const authError = checkAuth(method, bearer(req.headers.authorization) ?? str(bodyToken), tokens);
    if (authError) return answer(200, authError);
    if (limiter) {
      const channel = str(params.channel);
      const decision = limiter.check(method, channel && (state.findChannel(channel)?.id ?? channel));
      if (!decision.allowed) {
        return answer(429, { ok: false, error: 'ratelimited' }, { 'retry-after': String(decision.retryAfterSeconds) });
      }
    }
    let result: ApiResult;
    try {
      result = WEB_API_METHODS[method]!(params, ctx);
    } catch (err) {
      log?.error({ err, method }, 'web api handler failed');
      result = { ok: false, error: 'internal_error' };
    }
    if (fault) {
      const f = faultAnswer(fault);
      return answer(f.status, f.body, f.headers);
    }
    // Applied: a hold here keeps the answer from a sender that may die before it hears it (the call is recorded
    // either way, as Slack would have it).
    await faults.waitIfHeld(method, recordedParams, gone, result);
    answer(200, result);
  }

  async function handleResponseUrl(res: ServerResponse, path: string, raw: string) {
    const at = now();
    const id = path.slice('/response/'.length);
    const body = tryJson(raw);
    const params = typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Params) : {};
    const answer = (status: number, response: ApiResult, headers: Record<string, string> = {}) => {
      send(res, status, response, headers);
      recorder.record({ method: 'response_url', params, response, status, path, at });
    };
    await faults.waitIfHeld('response_url', params, closeOf(res));
    if (closed || senderGone(res)) return;
    const fault = faults.take('response_url');
    if (fault) {
      const f = faultAnswer(fault);
      return answer(f.status, f.body, f.headers);
    }
    const result = responseUrls.use(id, body);
    answer(result.status, result.body);
  }

  /** The bytes of a file reserved by files.getUploadURLExternal, POSTed to its upload URL. */
  async function handleUpload(req: IncomingMessage, res: ServerResponse, path: string, body: Buffer) {
    const at = now();
    const file = pendingUpload(state, path.slice(UPLOAD_PATH.length));
    const bytes = file && uploadedBytes(req.headers['content-type'], body);
    const params = { file: file?.id, bytes: bytes?.length ?? body.length };
    const answer = (status: number, text: string) => {
      if (!res.destroyed && !res.writableEnded) res.writeHead(status, { 'content-type': 'text/plain' }).end(text);
      recorder.record({ method: 'upload', params, response: { ok: status === 200, text }, status, path, at });
    };
    await faults.waitIfHeld('upload', params, closeOf(res));
    if (closed || senderGone(res)) return;
    const fault = faults.take('upload');
    if (fault) return answer(fault.status, fault.error ?? 'internal_error');
    if (!file) return answer(404, 'upload URL unknown or already used');
    if (!bytes) return answer(400, 'unreadable multipart body');
    // The bytes must be exactly the length announced to files.getUploadURLExternal.
    if (bytes.length !== file.length) {
      return answer(400, `length mismatch: announced ${file.length} bytes, received ${bytes.length}`);
    }
    state.receiveUpload(file, bytes);
    answer(200, `OK - ${bytes.length}`);
  }

  /** url_private / url_private_download: the content, for the app's bot token only (as Slack's files-pri). */
  function handlePrivateFile(req: IncomingMessage, res: ServerResponse, path: string) {
    if (bearer(req.headers.authorization) !== tokens.bot) return send(res, 401, { ok: false, error: 'not_authed' });
    const file = fileAtPrivatePath(state, path);
    if (!file?.content) return send(res, 404, { ok: false, error: 'file_not_found' });
    res.writeHead(200, {
      'content-type': fileType(file.name).mimetype,
      'content-length': file.content.length,
      'content-disposition': `${path.includes('/download/') ? 'attachment' : 'inline'}; filename*=UTF-8''${encodeURIComponent(file.name)}`,
    });
    res.end(file.content);
  }

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    readBody(req)
      .then(async (body) => {
        if (body === null) return send(res, 413, { ok: false, error: 'request_too_large' });
        if (req.method === 'POST' && url.pathname.startsWith(UPLOAD_PATH)) {
          return handleUpload(req, res, url.pathname, body);
        }
        if (req.method === 'GET' && url.pathname.startsWith(FILES_PRI_PATH)) {
          return handlePrivateFile(req, res, url.pathname);
        }
        const raw = body.toString('utf8');
        if (url.pathname.startsWith('/api/')) return handleApi(req, res, url.pathname, raw, url.searchParams);
        if (req.method === 'POST' && url.pathname.startsWith('/response/')) {
          return handleResponseUrl(res, url.pathname, raw);
        }
        if (ui && (await ui(req, res, url, raw))) return;
        send(res, 404, { ok: false, error: 'not_found' });
      })
      .catch((err: unknown) => {
        log?.error({ err, path: url.pathname }, 'request failed');
        send(res, 500, { ok: false, error: 'internal_error' });
      });
  });

  server.on('upgrade', (req, socket, head) => {
    if (socketMode && !closed) socketMode.handleUpgrade(req, socket, head);
    else socket.destroy();
  });

  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const urlHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  baseUrl = `http://${urlHost}:${port}`;
  // Stored files name the address of the run that made them; this run may listen elsewhere (WORKSPACE_PORT=0).
  state.rebaseFileUrls(baseUrl);
  log?.info({ url: baseUrl }, 'slack-compatible server listening');

  const payloads = { state, teamDomain, verificationToken: randomBytes(12).toString('base64url') };
  const interactions = new Interactions({
    state,
    triggers,
    responseUrls,
    sender,
    payloads,
    events,
    now,
    baseUrl: () => baseUrl,
    ...(options.app ? { app: options.app } : {}),
  });

  const subscriptions = new EventSubscriptions({
    state,
    events,
    interactions,
    payloads,
    now,
    ...(options.app ? { botEvents: options.app.botEvents } : {}),
    logger: options.logger,
  });
  const people = new PeopleActions(state, subscriptions);

  let demoPanel: DemoPanel | undefined;
  ui = createUiRoutes({
    demo: () => demoPanel,
    state,
    events,
    calls: recorder.calls,
    interactions,
    people,
    requestLog,
    payloads,
    triggers,
    now,
    logger: options.logger,
    ...(options.app ? { app: options.app } : {}),
  });

  return {
    url: baseUrl,
    apiUrl: `${baseUrl}/api/`,
    state,
    calls: recorder.calls,
    requests: requestLog,
    events,
    waitForCall: (predicate, timeoutMs) => recorder.waitForCall(predicate, timeoutMs),
    faults: {
      failNext: (target, fault) => faults.failNext(target, fault),
      failFor: (target, fault, ms) => faults.failFor(target, fault, ms),
      hold: (target, holdOptions) => faults.hold(target, holdOptions),
    },
    setRequestUrl: (url) => {
      requestUrl = url;
    },
    setDemoPanel: (panel) => {
      demoPanel = panel;
    },
    socketMode: socketMode && {
      connections: () => socketMode.connections(),
      deliveries: () => socketMode.deliveries(),
      disconnectAll: (reason) => socketMode.disconnectAll(reason),
    },
    sendCommand: (input) => interactions.sendCommand(input),
    sendBlockAction: (input) => interactions.sendBlockAction(input),
    sendViewSubmission: (input) => interactions.sendViewSubmission(input),
    sendEvent: (event, opts) => interactions.sendEvent(event, opts),
    sendRaw: (input) => interactions.sendRaw(input),
    messageShortcut: (input) => interactions.sendMessageShortcut(input),
    pin: (input) => people.pin(input),
    react: (input) => people.react(input),
    close: async () => {
      closed = true;
      faults.releaseAll();
      sender.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
