import type { StepResult } from '../rules.js';
import type { StepAction } from '../run.js';
import type { StepContext } from './step-context.js';

/** What a response body contributes to the step's line and output. */
const BODY_TAIL_CHARS = 500;

/** `http`: one request; success is one of the expected statuses. Redirects are not followed (a 3xx is an answer). */
export async function httpStep(action: Extract<StepAction, { kind: 'http' }>, ctx: StepContext): Promise<StepResult> {
  const timeout = AbortSignal.timeout(action.timeout);
  try {
    const response = await fetch(action.url, {
      method: action.method,
      headers: {
        ...(action.body !== undefined && {
          'content-type': action.body.startsWith('{') ? 'application/json' : 'text/plain',
        }),
        ...action.headers,
      },
      ...(action.body !== undefined && { body: action.body }),
      redirect: 'manual',
      signal: AbortSignal.any([timeout, ctx.signal]),
    });
    const body = (await response.text()).slice(0, BODY_TAIL_CHARS);
    if (body) ctx.onOutput(body);
    const ok = action.status.includes(response.status);
    return { ok, detail: `HTTP ${response.status}${ok ? '' : ` (expected ${action.status.join(' or ')})`}` };
  } catch (error) {
    if (ctx.signal.aborted) return { ok: false, detail: 'cancelled', cancelled: true };
    if (timeout.aborted) return { ok: false, detail: `no answer within ${action.timeout} ms` };
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    return { ok: false, detail: `request failed${cause ? ` (${cause})` : ''}` };
  }
}
