import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

const fixture = (name: string) => JSON.parse(readFileSync(`test/fixtures/pagerduty/${name}`, 'utf8'));

export interface PagerDutyEvent {
  routing_key: string;
  event_action: 'trigger' | 'acknowledge' | 'resolve';
  dedup_key?: string;
  payload?: { summary: string; source: string; severity: string; [key: string]: unknown };
  [key: string]: unknown;
}

export interface FakePagerDuty {
  url: string;
  /** Accepted events, in order. */
  events: PagerDutyEvent[];
  /** Bodies refused with 400, with why. */
  refused: string[];
  /** Resolves with the first accepted event (already received or still to come) that matches. */
  waitFor(predicate: (event: PagerDutyEvent) => boolean): Promise<PagerDutyEvent>;
  close(): Promise<void>;
}

const ACTIONS = ['trigger', 'acknowledge', 'resolve'];
const SEVERITIES = ['critical', 'error', 'warning', 'info'];

/** Why PagerDuty would refuse the body, per the Events API v2 docs (test/fixtures/pagerduty/SOURCES.md). */
function problemOf(body: unknown): string | undefined {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return 'body is not an object';
  const event = body as Record<string, unknown>;
  if (typeof event.routing_key !== 'string' || event.routing_key.length !== 32) return 'routing_key';
  if (!ACTIONS.includes(event.event_action as string)) return 'event_action';
  if (event.dedup_key !== undefined && (typeof event.dedup_key !== 'string' || event.dedup_key.length > 255)) {
    return 'dedup_key';
  }
  if (event.event_action !== 'trigger') return typeof event.dedup_key === 'string' ? undefined : 'dedup_key required';
  const payload = event.payload as Record<string, unknown> | undefined;
  if (!payload || typeof payload !== 'object') return 'payload';
  if (typeof payload.summary !== 'string' || payload.summary.length === 0 || payload.summary.length > 1024) {
    return 'payload.summary';
  }
  if (typeof payload.source !== 'string' || payload.source.length === 0) return 'payload.source';
  if (!SEVERITIES.includes(payload.severity as string)) return 'payload.severity';
  return undefined;
}

/**
 * PagerDuty's Events API v2, as small as the tests need: `POST /v2/enqueue` with a JSON event, checked as the docs
 * say (routing key, action, the trigger's payload, dedup key), answered 202 with the dedup key like the real API
 * (response-202.json) or 400 with the error shape (response-error.json).
 */
export async function startFakePagerDuty(): Promise<FakePagerDuty> {
  const accepted = fixture('response-202.json') as Record<string, unknown>;
  const error = fixture('response-error.json') as Record<string, unknown>;
  const emitter = new EventEmitter();
  let seq = 0;
  const fake: FakePagerDuty = {
    url: '',
    events: [],
    refused: [],
    waitFor(predicate) {
      const found = fake.events.find(predicate);
      if (found) return Promise.resolve(found);
      return new Promise((resolve) => {
        const listener = (event: PagerDutyEvent) => {
          if (!predicate(event)) return;
          emitter.off('event', listener);
          resolve(event);
        };
        emitter.on('event', listener);
      });
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  const server: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk) => {
      raw += chunk;
    });
    req.on('end', () => {
      const json = (status: number, body: unknown) =>
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      if (req.method !== 'POST' || req.url !== '/v2/enqueue') return json(404, { status: 'Not found' });
      let body: unknown;
      try {
        body = JSON.parse(raw);
      } catch {
        return json(400, error);
      }
      const problem = problemOf(body);
      if (problem) {
        fake.refused.push(problem);
        return json(400, { ...error, errors: [problem] });
      }
      const event = body as PagerDutyEvent;
      const dedupKey = event.dedup_key ?? `generated-${++seq}`;
      fake.events.push(event);
      emitter.emit('event', event);
      return json(202, { ...accepted, dedup_key: dedupKey });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return fake;
}
