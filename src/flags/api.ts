import type { Services } from '../platform/services.js';
import { FlagStore } from './store.js';

/** A flag change as other capabilities show it (an incident's postmortem, `/ops status <service>`). */
export interface FlagChangeSummary {
  flag: string;
  environment?: string;
  /** `turned on in production (off → on 100%)`. */
  change: string;
  by: string;
  at: number;
}

type Readers = Pick<Services, 'redis' | 'keysOf'>;

/** Every flag change between two times (ms), newest first: what changed before an incident. */
export async function flagChangesBetween(services: Readers, from: number, to: number): Promise<FlagChangeSummary[]> {
  const store = new FlagStore(services.redis, services.keysOf('flags'), []);
  const changes = await store.changesBetween(from, to);
  return changes
    .map((c) => ({
      flag: c.key,
      ...(c.environment !== undefined && { environment: c.environment }),
      change: `${c.what}${c.environment ? ` in ${c.environment}` : ''}${c.before !== undefined ? ` (${c.before} → ${c.after})` : ''}${c.reason ? ` — ${c.reason}` : ''}`,
      by: c.by,
      at: c.at,
    }))
    .sort((a, b) => b.at - a.at);
}

/**
 * Does a flag name a service? Its key starts with the service's name and a separator (`api.new-cache`, `api-v2`), or
 * its description mentions the service as a word.
 */
export function namesService(flag: { key: string; description?: string }, service: string): boolean {
  if (flag.key === service || (/^[.:_-]$/.test(flag.key.charAt(service.length)) && flag.key.startsWith(service)))
    return true;
  const words = (flag.description ?? '').toLowerCase().split(/[^a-z0-9_-]+/);
  return words.includes(service);
}

/** Changes in the window of flags that name `service`, newest first: for `/ops status <service>`. */
export async function flagChangesFor(
  services: Readers,
  service: string,
  from: number,
  to: number,
): Promise<FlagChangeSummary[]> {
  const store = new FlagStore(services.redis, services.keysOf('flags'), []);
  const definitions = new Map((await store.definitions()).map((d) => [d.key, d]));
  const changes = await flagChangesBetween(services, from, to);
  return changes.filter((c) => {
    const definition = definitions.get(c.flag);
    return definition !== undefined && namesService(definition, service);
  });
}
