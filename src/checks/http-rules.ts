import { cut } from '../platform/text.js';

/** What an http check judges, pure: TLS errors in words, certificate days, values in JSON bodies. */

const DAY_MS = 86_400_000;

/** Whole days from `now` until `validTo` (both ms): 0 on the last day, negative once expired. */
export function daysLeft(validTo: number, now: number): number {
  return Math.floor((validTo - now) / DAY_MS);
}

/** Node's (OpenSSL's) certificate error codes in words, with the way out; undefined for other errors. */
export function certificateProblem(code: string | undefined): string | undefined {
  const fix = 'set caFile, or insecure: true';
  switch (code) {
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
      return `self-signed certificate (${fix})`;
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'UNABLE_TO_GET_ISSUER_CERT':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
      return `certificate signed by an unknown CA (${fix})`;
    case 'CERT_HAS_EXPIRED':
      return 'certificate has expired';
    case 'CERT_NOT_YET_VALID':
      return 'certificate is not valid yet';
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return 'certificate is for another host name';
    case 'CERT_REVOKED':
      return 'certificate is revoked';
    default:
      return code?.startsWith('CERT_') || code?.startsWith('ERR_SSL_') ? `certificate refused (${code})` : undefined;
  }
}

/**
 * The value at a dotted path (`$.checks.db.status`, `items[0].name`) in parsed JSON. `present` is false when a step is
 * missing or walks into something that is not an object or array; a `null` found there is present.
 */
export function jsonValueAt(json: unknown, path: string): { present: boolean; value?: unknown } {
  const steps = path
    .replace(/^\$\.?/, '')
    .split(/\.|(?=\[)/)
    .filter((step) => step !== '');
  let value: unknown = json;
  for (const step of steps) {
    const index = /^\[(\d+)\]$/.exec(step);
    if (index) {
      if (!Array.isArray(value) || Number(index[1]) >= value.length) return { present: false };
      value = value[Number(index[1])];
    } else {
      if (value === null || typeof value !== 'object' || Array.isArray(value) || !Object.hasOwn(value, step)) {
        return { present: false };
      }
      value = (value as Record<string, unknown>)[step];
    }
  }
  return { present: true, value };
}

/** A JSON value as it shows in a summary, cut short. */
export function showJson(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${cut(text, 59)}…` : text;
}
