import { cut } from '../../platform/text.js';
/**
 * Paging, behind a small interface so escalation does not know PagerDuty: `trigger` opens (or re-opens) the page of
 * one incident, `resolve` closes it. Both are idempotent on the incident id.
 */
export interface Pager {
  trigger(input: {
    incidentId: string;
    summary: string;
    severity: PagerSeverity;
    source: string;
    link?: string;
    /** When the page was asked for (the platform's clock). */
    at: Date;
  }): Promise<void>;
  resolve(incidentId: string): Promise<void>;
}

export type PagerSeverity = 'critical' | 'error' | 'warning' | 'info';

/** A failed page: `temporary` (429, 5xx, no answer) may succeed when the job retries; a 400 will not. */
export class PagerError extends Error {
  constructor(
    message: string,
    readonly temporary: boolean,
  ) {
    super(message);
    this.name = 'PagerError';
  }
}

const TIMEOUT_MS = 10_000;

/**
 * PagerDuty's Events API v2 (`POST {url}/v2/enqueue`, JSON, 202 on success). The dedup key is the incident's, so a
 * retried trigger updates the one alert instead of opening another, and resolve finds it.
 */
export function pagerDuty(config: { routingKey: string; url: string }, dedupPrefix = 'opsdeck-incident-'): Pager {
  const endpoint = `${config.url.replace(/\/+$/, '')}/v2/enqueue`;
  const send = async (body: Record<string, unknown>) => {
    let response: Response;
    try {
      response = await fetch(endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ routing_key: config.routingKey, ...body }),
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
    } catch (error) {
      throw new PagerError(`PagerDuty did not answer: ${(error as Error).message}`, true);
    }
    await response.text().catch(() => '');
    if (response.status === 202) return;
    throw new PagerError(`PagerDuty answered ${response.status}`, response.status === 429 || response.status >= 500);
  };
  return {
    trigger: (input) =>
      send({
        event_action: 'trigger',
        dedup_key: `${dedupPrefix}${input.incidentId}`,
        payload: {
          summary: cut(input.summary, 1024),
          source: input.source,
          severity: input.severity,
          timestamp: input.at.toISOString(),
        },
        client: 'Opsdeck',
        ...(input.link && { client_url: input.link, links: [{ href: input.link, text: 'Incident channel' }] }),
      }),
    resolve: (incidentId) => send({ event_action: 'resolve', dedup_key: `${dedupPrefix}${incidentId}` }),
  };
}
