import { z } from 'zod';
import { cut } from '../../platform/text.js';

/** A matcher as Alertmanager's API v2 takes it. */
export interface Matcher {
  name: string;
  value: string;
  isRegex: boolean;
  isEqual: boolean;
}

/** Silences in Alertmanager: what the Silence and Unsilence buttons need. */
export interface SilenceProvider {
  /** Creates a silence and returns its id. */
  create(input: {
    matchers: Matcher[];
    startsAt: Date;
    endsAt: Date;
    createdBy: string;
    comment: string;
  }): Promise<string>;
  /** Expires a silence; one already gone is not an error. */
  expire(id: string): Promise<void>;
}

const created = z.object({ silenceID: z.string().min(1).max(100) });

/** How long one call to Alertmanager may take before the job tries again later. */
const TIMEOUT_MS = 10_000;

/** Alertmanager's API v2 (`POST /api/v2/silences`, `DELETE /api/v2/silence/{id}`). */
export function alertmanagerSilences(baseUrl: string): SilenceProvider {
  const base = baseUrl.replace(/\/$/, '');
  return {
    async create(input) {
      const res = await fetch(`${base}/api/v2/silences`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ ...input, startsAt: input.startsAt.toISOString(), endsAt: input.endsAt.toISOString() }),
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
      if (!res.ok)
        throw new Error(`Alertmanager refused the silence: HTTP ${res.status} ${cut(await res.text(), 200)}`);
      return created.parse(await res.json()).silenceID;
    },
    async expire(id) {
      const res = await fetch(`${base}/api/v2/silence/${encodeURIComponent(id)}`, {
        method: 'DELETE',
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
      if (!res.ok && res.status !== 404)
        throw new Error(`Alertmanager did not expire silence ${id}: HTTP ${res.status}`);
    },
  };
}
