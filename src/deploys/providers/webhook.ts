import { createHmac } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { z } from 'zod';
import { formatDuration } from '../../config/duration.js';
import type { WebhookDeploy } from '../config.js';
import type { DeployProviderRunner, ProviderResult, ProviderRun } from './provider.js';

/** What a status URL answers; anything else is a failed poll, retried until the timeout. */
const StatusAnswer = z.object({
  status: z.enum(['pending', 'running', 'succeeded', 'failed']),
  url: z.string().optional(),
  detail: z.string().max(500).optional(),
});

/** Signs `body` the way the receiver checks it: HMAC-SHA256 over `<timestamp>.<body>`, hex. */
export function webhookSignature(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/**
 * `provider: webhook`: POSTs the deploy as signed JSON; a 2xx answer starts it (or, without `statusUrl`, is the
 * success). With `statusUrl` it polls until the status is final, the timeout passes or Cancel is clicked (Cancel stops
 * the polling only: the receiver is not told).
 */
export function webhookProvider(config: WebhookDeploy, deployId: string): DeployProviderRunner {
  return { run: (run) => runWebhook(config, deployId, run) };
}

async function runWebhook(config: WebhookDeploy, id: string, run: ProviderRun): Promise<ProviderResult> {
  const deadline = AbortSignal.any([run.signal, AbortSignal.timeout(config.timeout)]);
  const stopped = (): ProviderResult => ({
    ok: false,
    detail: run.signal.aborted ? 'cancelled' : `timed out after ${formatDuration(config.timeout)}`,
  });
  const body = JSON.stringify({ id, ...run.target });
  const timestamp = String(Math.floor(run.now().getTime() / 1000));
  const headers: Record<string, string> = { 'content-type': 'application/json', ...config.headers };
  if (config.secret) {
    headers['x-opsdeck-timestamp'] = timestamp;
    headers['x-opsdeck-signature'] = webhookSignature(config.secret, timestamp, body);
  }
  try {
    const response = await fetch(config.url, { method: 'POST', headers, body, signal: deadline, redirect: 'manual' });
    await response.body?.cancel();
    if (!response.ok) return { ok: false, detail: `the webhook answered HTTP ${response.status}` };
  } catch {
    return deadline.aborted ? stopped() : { ok: false, detail: 'the webhook could not be reached' };
  }
  run.onOutput(`POST ${new URL(config.url).host}: accepted\n`);
  if (!config.statusUrl) return { ok: true, detail: 'the webhook accepted it' };

  const statusUrl = config.statusUrl.replaceAll('{id}', encodeURIComponent(id));
  let last = '';
  while (!deadline.aborted) {
    try {
      const response = await fetch(statusUrl, { headers: config.headers, signal: deadline, redirect: 'manual' });
      const answer = StatusAnswer.safeParse(await response.json().catch(() => undefined));
      if (response.ok && answer.success) {
        if (answer.data.url) run.onLink?.(answer.data.url);
        if (answer.data.status !== last) run.onOutput(`status: ${answer.data.status}\n`);
        last = answer.data.status;
        if (answer.data.status === 'succeeded') return { ok: true, detail: answer.data.detail ?? 'succeeded' };
        if (answer.data.status === 'failed')
          return { ok: false, detail: answer.data.detail ?? 'the webhook says failed' };
      }
      await delay(config.pollInterval, undefined, { signal: deadline });
    } catch {
      if (deadline.aborted) break;
      await delay(config.pollInterval, undefined, { signal: deadline }).catch(() => {});
    }
  }
  return stopped();
}
