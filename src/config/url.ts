import { z } from 'zod';

/**
 * True when `value` parses as an absolute URL with one of `protocols` (without the colon) and a host. Stricter than
 * `z.url()`, which accepts `redis:foo` or `redis://`.
 */
export function isUrlWith(value: string, protocols: readonly string[]): boolean {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  return protocols.includes(url.protocol.slice(0, -1)) && url.hostname !== '';
}

/** An http:// or https:// URL with a host. */
export function httpUrl() {
  return z
    .string()
    .refine((value) => isUrlWith(value, ['http', 'https']), { error: 'Invalid URL (expected http:// or https://)' });
}
