import type { EventEmitter } from 'node:events';
import type { IncomingHttpHeaders } from 'node:http';
import { tryJson } from '../web-api/form.js';
import type { BotResponse, BotTransport, SignedRequestInput } from './transport.js';

/**
 * Every signed request the workspace sent to the bot, in order: the browser page's request log and the
 * `/workspace/export` fixtures. Recorded at the one place all of them pass (the sender), so nothing bypasses it.
 */

/** What the page shows for one request. */
export interface RequestSummary {
  id: number;
  /** When it was sent (ms since the epoch, server clock). */
  at: number;
  /** `command`, `block_actions`, `view_submission`, `view_closed`, `event_callback`, … (from the body). */
  kind: string;
  userId?: string;
  /** `/ops help`, the action_id, the view's callback_id or the inner event type. */
  summary: string;
  /** 0 when the bot never answered (connection refused, timeout). */
  status: number;
  ackMs: number;
  error?: string;
}

/** The whole exchange, for the export: enough to replay the request against a bot in a test. */
export interface LoggedRequest extends RequestSummary {
  url: string;
  /** As sent, minus `x-slack-signature` (it is only valid for the secret of that run). */
  headers: Record<string, string>;
  body: string;
  /** The body decoded: form fields, or `payload` / JSON parsed. */
  payload: unknown;
  response?: { status: number; headers: IncomingHttpHeaders; body: unknown };
}

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null;

/** A request body as the bot reads it: form fields, `payload=` JSON parsed, or the JSON body. */
export function decodeBody(contentType: string, body: string): unknown {
  if (!contentType.startsWith('application/x-www-form-urlencoded')) return tryJson(body) ?? body;
  const form = Object.fromEntries(new URLSearchParams(body));
  return typeof form.payload === 'string' ? (tryJson(form.payload) ?? form) : form;
}

/** Kind, user and a one-line summary of a request body as Slack sends it. Pure. */
export function describeRequest(payload: unknown): Pick<RequestSummary, 'kind' | 'userId' | 'summary'> {
  if (!isObject(payload)) return { kind: 'raw', summary: '' };
  if (typeof payload.command === 'string') {
    const text = typeof payload.text === 'string' && payload.text ? ` ${payload.text}` : '';
    return { kind: 'command', userId: String(payload.user_id ?? ''), summary: `${payload.command}${text}` };
  }
  const user = isObject(payload.user) ? String(payload.user.id ?? '') : undefined;
  const type = typeof payload.type === 'string' ? payload.type : 'raw';
  if (type === 'block_actions') {
    const action = Array.isArray(payload.actions) && isObject(payload.actions[0]) ? payload.actions[0] : {};
    const option = isObject(action.selected_option) ? ` → ${String(action.selected_option.value)}` : '';
    return { kind: type, userId: user, summary: `${String(action.action_id ?? '')}${option}` };
  }
  if (type === 'view_submission' || type === 'view_closed') {
    const view = isObject(payload.view) ? payload.view : {};
    return { kind: type, userId: user, summary: String(view.callback_id ?? view.id ?? '') };
  }
  if (type === 'event_callback' && isObject(payload.event)) {
    const userId = typeof payload.event.user === 'string' ? payload.event.user : undefined;
    return { kind: type, userId, summary: String(payload.event.type ?? '') };
  }
  return { kind: type, userId: user, summary: String(payload.callback_id ?? '') };
}

export function summaryOf(entry: LoggedRequest): RequestSummary {
  const { id, at, kind, userId, summary, status, ackMs, error } = entry;
  return { id, at, kind, userId, summary, status, ackMs, ...(error ? { error } : {}) };
}

export class RequestLog {
  readonly entries: LoggedRequest[] = [];

  constructor(
    private readonly events: EventEmitter,
    private readonly now: () => number,
  ) {}

  /** Records one exchange and emits `request` with its summary. */
  record(input: {
    url: string;
    at: number;
    request: SignedRequestInput & { timestamp: number };
    response?: BotResponse;
    error?: string;
  }): LoggedRequest {
    const { request, response } = input;
    const payload = decodeBody(request.contentType, request.body);
    const headers: Record<string, string> = {
      'content-type': request.contentType,
      'x-slack-request-timestamp': String(request.timestamp),
      ...request.headers,
    };
    const entry: LoggedRequest = {
      id: this.entries.length + 1,
      at: input.at,
      ...describeRequest(payload),
      status: response?.status ?? 0,
      ackMs: Math.round(response?.ackMs ?? this.now() - input.at),
      ...(input.error ? { error: input.error } : {}),
      url: input.url,
      headers,
      body: request.body,
      payload,
      ...(response ? { response: { status: response.status, headers: response.headers, body: response.body } } : {}),
    };
    this.entries.push(entry);
    this.events.emit('request', summaryOf(entry));
    return entry;
  }
}

/** Records each request a transport sends, answered or not. */
export class RecordingTransport implements BotTransport {
  constructor(
    private readonly transport: BotTransport,
    private readonly log: RequestLog,
    private readonly now: () => number,
  ) {}

  target(): string {
    return this.transport.target();
  }

  async send(input: SignedRequestInput): Promise<BotResponse> {
    // Fix the timestamp here so the recorded headers are the ones that were signed and sent.
    const request = { ...input, timestamp: input.timestamp ?? Math.floor(Date.now() / 1000) };
    const at = this.now();
    const url = this.transport.target();
    try {
      const response = await this.transport.send(request);
      this.log.record({ url, at, request, response });
      return response;
    } catch (err) {
      this.log.record({ url, at, request, error: err instanceof Error ? err.message : String(err) });
      throw err;
    }
  }

  close(): void {
    this.transport.close();
  }
}
