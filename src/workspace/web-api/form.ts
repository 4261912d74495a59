/**
 * Decoding Web API request bodies the way slack.com does: form-encoded (what @slack/web-api sends, with nested
 * objects JSON-encoded into string fields) or JSON, merged over query-string arguments.
 */

export type Params = Record<string, unknown>;

export type ParsedParams = { ok: true; params: Params } | { ok: false; error: string };

/** Fields the WebClient JSON-encodes into strings when it sends a form. */
const JSON_FIELDS = ['blocks', 'attachments', 'view', 'metadata', 'files'];

export function parseApiParams(contentType: string | undefined, raw: string, query: URLSearchParams): ParsedParams {
  const params: Params = Object.fromEntries(query);
  if (raw.length === 0) return { ok: true, params };
  const type = (contentType ?? '').split(';')[0]?.trim().toLowerCase();
  if (type === 'application/x-www-form-urlencoded') {
    Object.assign(params, Object.fromEntries(new URLSearchParams(raw)));
  } else if (type === 'application/json') {
    let body: unknown;
    try {
      body = JSON.parse(raw);
    } catch {
      return { ok: false, error: 'invalid_json' };
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) return { ok: false, error: 'invalid_json' };
    Object.assign(params, body);
  } else if (!type) {
    return { ok: false, error: 'missing_post_type' };
  } else {
    return { ok: false, error: 'invalid_post_type' };
  }
  for (const key of JSON_FIELDS) {
    const value = params[key];
    // Undecodable JSON stays a string: the block/view rules then answer invalid_blocks_format / invalid_arguments.
    if (typeof value === 'string' && value.length > 0) {
      try {
        params[key] = JSON.parse(value);
      } catch {
        // keep as is
      }
    }
  }
  return { ok: true, params };
}

/** A string argument (numbers are accepted as Slack does); empty strings count as absent. */
export function str(value: unknown): string | undefined {
  if (typeof value === 'number') return String(value);
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

/** A boolean argument: form bodies carry `true`/`false`/`1`/`0` as strings. */
export function bool(value: unknown): boolean {
  return value === true || value === 'true' || value === '1' || value === 1;
}

/** Parses a body as JSON if it looks like JSON; otherwise returns undefined. */
export function tryJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
