/**
 * Slack's Socket Mode, server side: `apps.connections.open` hands out single-use WebSocket URLs, a connection is
 * greeted with `hello`, and every request Slack would have POSTed to the request URL travels as an envelope
 * (`slash_commands`, `interactive`, `events_api`) that the app acknowledges with `{envelope_id, payload?}`. Requests are
 * built HTTP-shaped by the rest of the workspace and converted here, so both transports carry the same payloads.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { EventEmitter } from 'node:events';
import type { IncomingMessage } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { Duplex } from 'node:stream';
import { type RawData, type WebSocket, WebSocketServer } from 'ws';
import { tryJson } from '../web-api/form.js';
import { decodeBody } from './request-log.js';
import { type BotResponse, type BotTransport, DELIVERY_TIMEOUT_MS, type SignedRequestInput } from './transport.js';

/** Path of the URLs apps.connections.open hands out (Slack's look like `wss://…/link/?ticket=…&app_id=…`). */
export const SOCKET_MODE_PATH = '/link/';
/** A URL from apps.connections.open is single-use and expires if nobody connects with it. */
const TICKET_TTL_MS = 30_000;
/** Slack pings its connections; @slack/socket-mode reconnects when no ping arrives for 30 s. */
const PING_EVERY_MS = 10_000;
/** Slack allows an app up to 10 simultaneous Socket Mode connections. */
const MAX_CONNECTIONS = 10;
/** Socket Mode payloads are Slack's usual ones; nothing legitimate comes near this. */
const MAX_MESSAGE_BYTES = 1024 * 1024;

type Json = Record<string, unknown>;
export type EnvelopeType = 'slash_commands' | 'interactive' | 'events_api';

export interface Envelope {
  envelope_id: string;
  type: EnvelopeType;
  payload: Json;
  accepts_response_payload: boolean;
  retry_attempt?: number;
  retry_reason?: string;
}

/** The envelope Slack sends for a request the HTTP transport would have POSTed; undefined if it has no such form. */
export function envelopeFor(input: SignedRequestInput, envelopeId: string): Envelope | undefined {
  const payload = decodeBody(input.contentType, input.body);
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) return undefined;
  const body = payload as Json;
  const form = input.contentType.startsWith('application/x-www-form-urlencoded');
  if (form && typeof body.command === 'string') {
    return { envelope_id: envelopeId, type: 'slash_commands', payload: body, accepts_response_payload: true };
  }
  if (!form && body.type === 'event_callback') {
    const headers = input.headers ?? {};
    return {
      envelope_id: envelopeId,
      type: 'events_api',
      payload: body,
      accepts_response_payload: false,
      retry_attempt: Number(headers['x-slack-retry-num'] ?? 0),
      retry_reason: headers['x-slack-retry-reason'] ?? '',
    };
  }
  if (form && typeof body.type === 'string') {
    // View submissions can answer with response_action; a click's ack carries nothing.
    const accepts = body.type === 'view_submission';
    return { envelope_id: envelopeId, type: 'interactive', payload: body, accepts_response_payload: accepts };
  }
  return undefined;
}

interface Pending {
  socket: WebSocket;
  started: number;
  resolve(response: BotResponse): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

export interface SocketModeOptions {
  appId: string;
  /** The workspace's base URL (`http://host:port`); socket URLs are the same host over `ws:`. */
  baseUrl: () => string;
  events: EventEmitter;
  now: () => number;
}

/** The Socket Mode side of the workspace: hands out URLs, keeps connections, delivers envelopes and awaits acks. */
export class SocketModeHub implements BotTransport {
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });
  /** Ticket → when it expires. */
  private readonly tickets = new Map<string, number>();
  private readonly pending = new Map<string, Pending>();
  /** Envelopes each connection was handed (while it is open): which of an app's processes got what. */
  private readonly delivered = new WeakMap<WebSocket, number>();
  private readonly pinger: NodeJS.Timeout;
  private turn = 0;

  constructor(private readonly options: SocketModeOptions) {
    this.pinger = setInterval(() => {
      for (const socket of this.wss.clients) socket.ping();
    }, PING_EVERY_MS);
    this.pinger.unref();
  }

  /** A URL for `apps.connections.open` (the Web API checks the app-level token before this). */
  issueUrl(): string {
    const now = this.options.now();
    for (const [ticket, expires] of this.tickets) if (expires <= now) this.tickets.delete(ticket);
    const ticket = randomBytes(16).toString('hex');
    this.tickets.set(ticket, now + TICKET_TTL_MS);
    const wsBase = this.options.baseUrl().replace(/^http/, 'ws');
    return `${wsBase}${SOCKET_MODE_PATH}?ticket=${ticket}&app_id=${this.options.appId}`;
  }

  /** Takes an HTTP upgrade for a socket URL; refuses unknown, used or expired tickets and an 11th connection. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const ticket = url.searchParams.get('ticket') ?? '';
    const expires = this.tickets.get(ticket);
    this.tickets.delete(ticket);
    const refuse = (status: string) => {
      socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    if (url.pathname !== SOCKET_MODE_PATH || expires === undefined || expires <= this.options.now()) {
      refuse('401 Unauthorized');
    } else if (this.wss.clients.size >= MAX_CONNECTIONS) {
      refuse('429 Too Many Requests');
    } else {
      this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws));
    }
  }

  /** `ws` tracks its clients (`wss.clients`): a socket is in the set from before this runs until it closes. */
  private accept(ws: WebSocket): void {
    ws.on('message', (data, isBinary) => {
      if (!isBinary) this.onMessage(data);
    });
    ws.on('error', () => ws.terminate());
    ws.on('close', () => {
      for (const [id, p] of this.pending) {
        if (p.socket === ws) this.settle(id, new Error('the Socket Mode connection closed before the ack'));
      }
      this.options.events.emit('socket_mode', { state: 'closed', connections: this.wss.clients.size });
    });
    ws.send(
      JSON.stringify({
        type: 'hello',
        num_connections: this.wss.clients.size,
        debug_info: { host: 'opsdeck-workspace', approximate_connection_time: 18_060 },
        connection_info: { app_id: this.options.appId },
      }),
    );
    this.options.events.emit('socket_mode', { state: 'open', connections: this.wss.clients.size });
  }

  /** An ack: `{envelope_id, payload?}`. Anything else from the app is ignored, as Slack does. */
  private onMessage(data: RawData): void {
    const message = tryJson(data.toString());
    if (typeof message !== 'object' || message === null) return;
    const { envelope_id: id, payload } = message as { envelope_id?: unknown; payload?: unknown };
    if (typeof id !== 'string' || !this.pending.has(id)) return;
    const p = this.pending.get(id)!;
    // The SDK acks `ack()` with `payload: {}`: the same as an empty HTTP 200.
    const empty =
      payload === undefined || (typeof payload === 'object' && payload !== null && !Object.keys(payload).length);
    const text = empty ? '' : JSON.stringify(payload);
    this.settle(id, {
      status: 200,
      body: text ? payload : '',
      text,
      headers: {},
      ackMs: performance.now() - p.started,
    });
  }

  private settle(id: string, outcome: BotResponse | Error): void {
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    clearTimeout(p.timer);
    if (outcome instanceof Error) p.reject(outcome);
    else p.resolve(outcome);
  }

  connections(): number {
    return this.wss.clients.size;
  }

  /** How many envelopes each open connection was handed, in the order they connected. */
  deliveries(): number[] {
    return [...this.wss.clients].map((socket) => this.delivered.get(socket) ?? 0);
  }

  target(): string {
    return 'socket-mode';
  }

  /**
   * Delivers over one of the open connections, in turn, and resolves with the ack. Like Slack with an app's several
   * connections (one per process), each envelope goes to exactly one of them, never to all.
   */
  send(input: SignedRequestInput): Promise<BotResponse> {
    const envelope = envelopeFor(input, randomUUID());
    if (!envelope) return Promise.reject(new Error('this request has no Socket Mode form'));
    const open = [...this.wss.clients].filter((s) => s.readyState === s.OPEN);
    if (open.length === 0) return Promise.reject(new Error('no Socket Mode connection is open'));
    const socket = open[this.turn++ % open.length]!;
    this.delivered.set(socket, (this.delivered.get(socket) ?? 0) + 1);
    return new Promise<BotResponse>((resolve, reject) => {
      const timer = setTimeout(
        () => this.settle(envelope.envelope_id, new Error(`no ack over Socket Mode in ${DELIVERY_TIMEOUT_MS} ms`)),
        DELIVERY_TIMEOUT_MS,
      );
      this.pending.set(envelope.envelope_id, { socket, started: performance.now(), resolve, reject, timer });
      socket.send(JSON.stringify(envelope));
    });
  }

  /** Asks every connection to reconnect, as Slack does before recycling a server (`refresh_requested`, `warning`). */
  disconnectAll(reason: 'refresh_requested' | 'warning' | 'link_disabled'): void {
    const message = JSON.stringify({ type: 'disconnect', reason, debug_info: { host: 'opsdeck-workspace' } });
    for (const socket of this.wss.clients) socket.send(message);
  }

  close(): void {
    clearInterval(this.pinger);
    for (const id of [...this.pending.keys()]) this.settle(id, new Error('the workspace closed'));
    for (const socket of this.wss.clients) socket.terminate();
    this.wss.close();
  }
}
