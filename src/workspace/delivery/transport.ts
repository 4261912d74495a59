import { Agent, type IncomingHttpHeaders, request } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { performance } from 'node:perf_hooks';
import { signRequest } from '../../slack/signature.js';
import { tryJson } from '../web-api/form.js';

/** How the bot answered one request from "Slack". */
export interface BotResponse {
  status: number;
  /** The body parsed as JSON when it is JSON, else the text (empty string for an empty body). */
  body: unknown;
  text: string;
  headers: IncomingHttpHeaders;
  /** Milliseconds from sending the request to receiving the whole response: the number Slack's 3 s rule is about. */
  ackMs: number;
}

export interface SignedRequestInput {
  body: string;
  contentType: string;
  /** Extra headers, e.g. `x-slack-retry-num`. */
  headers?: Record<string, string>;
  /** Seconds since the epoch for `X-Slack-Request-Timestamp` (and the signature); defaults to now. */
  timestamp?: number;
  /** Set false to send no signature header at all. */
  sign?: boolean;
  /** Sends this signature instead of the computed one (forged-request tests). */
  signature?: string;
}

/** Fails a delivery that gets no answer at all; far beyond Slack's 3 s so slow acks are still measured. */
export const DELIVERY_TIMEOUT_MS = 30_000;

/**
 * How requests reach the bot, as on Slack: signed HTTP POSTs to the app's request URL, or envelopes over the app's
 * Socket Mode connections. Callers build the same HTTP-shaped request either way.
 */
export interface BotTransport {
  /** Where a request would go now, for the request log: the request URL, or `socket-mode`. */
  target(): string;
  send(input: SignedRequestInput): Promise<BotResponse>;
  close(): void;
}

/** Sends requests to the bot's request URL signed as Slack signs them (`v0=` HMAC of `v0:{ts}:{body}`). */
export class HttpTransport implements BotTransport {
  /**
   * A new connection per request. With keep-alive, a request sent on an idle socket just as the bot's server closes
   * it (Node's keepAliveTimeout, 5 s) fails with ECONNRESET or "socket hang up": a flaky test whenever a test pauses
   * about that long between two requests. Slack's own delivery makes no promise of reuse either.
   */
  private readonly agent = new Agent({ keepAlive: false });

  constructor(
    private readonly signingSecret: string,
    private readonly requestUrl: () => string | undefined,
  ) {}

  target(): string {
    return this.requestUrl() ?? '';
  }

  async send(input: SignedRequestInput): Promise<BotResponse> {
    const url = this.requestUrl();
    if (!url) throw new Error('No requestUrl: pass it to createSlackServer or call setRequestUrl first');
    const timestamp = input.timestamp ?? Math.floor(Date.now() / 1000);
    const headers: Record<string, string | number> = {
      'content-type': input.contentType,
      'content-length': Buffer.byteLength(input.body),
      'user-agent': 'Slackbot 1.0 (+https://api.slack.com/robots)',
      'x-slack-request-timestamp': String(timestamp),
      ...input.headers,
    };
    if (input.sign !== false) {
      headers['x-slack-signature'] = input.signature ?? signRequest(this.signingSecret, timestamp, input.body);
    }
    const target = new URL(url);
    const send = target.protocol === 'https:' ? httpsRequest : request;
    const started = performance.now();
    return new Promise<BotResponse>((resolve, reject) => {
      const req = send(
        target,
        { method: 'POST', headers, agent: target.protocol === 'https:' ? undefined : this.agent },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('error', reject);
          res.on('end', () => {
            const ackMs = performance.now() - started;
            const text = Buffer.concat(chunks).toString('utf8');
            const json = text.length > 0 ? tryJson(text) : undefined;
            resolve({ status: res.statusCode ?? 0, body: json ?? text, text, headers: res.headers, ackMs });
          });
        },
      );
      req.setTimeout(DELIVERY_TIMEOUT_MS, () =>
        req.destroy(new Error(`no answer from ${url} in ${DELIVERY_TIMEOUT_MS} ms`)),
      );
      req.on('error', reject);
      req.end(input.body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
