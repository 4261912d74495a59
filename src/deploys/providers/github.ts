import { setTimeout as delay } from 'node:timers/promises';
import { z } from 'zod';
import { formatDuration } from '../../config/duration.js';
import type { GithubDeploy } from '../config.js';
import type { DeployProviderRunner, ProviderResult, ProviderRun } from './provider.js';

const API_VERSION = '2022-11-28';

const Run = z.object({
  id: z.number(),
  status: z.string().nullable(),
  conclusion: z.string().nullable(),
  html_url: z.string(),
  created_at: z.string(),
  head_commit: z.object({ timestamp: z.string() }).nullish(),
});
const Dispatched = z.object({ workflow_run_id: z.number(), html_url: z.string() });
const Runs = z.object({ workflow_runs: z.array(Run) });
const Repository = z.object({ default_branch: z.string() });

class GithubError extends Error {}

/**
 * `provider: github`: dispatches the workflow (`workflow_dispatch`) with the deploy as inputs (service, version,
 * environment, deploy_id), asking GitHub for the run's details (`return_run_details`); when GitHub answers 204
 * instead (before API version 2026-03-10 the flag may be ignored), finds the newest dispatched run of the workflow
 * created since. Then polls the run until it completes: conclusion `success` is success. Cancel cancels the run.
 */
export function githubProvider(config: GithubDeploy, deployId: string): DeployProviderRunner {
  return { run: (run) => runWorkflow(config, deployId, run) };
}

async function runWorkflow(config: GithubDeploy, deployId: string, run: ProviderRun): Promise<ProviderResult> {
  const deadline = AbortSignal.any([run.signal, AbortSignal.timeout(config.timeout)]);
  const base = `${(config.apiUrl ?? 'https://api.github.com').replace(/\/$/, '')}/repos/${config.repo}`;
  const workflow = encodeURIComponent(config.workflow);
  const call = async (method: string, path: string, body?: unknown, signal: AbortSignal = deadline) => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: {
        accept: 'application/vnd.github+json',
        authorization: `Bearer ${config.token}`,
        'x-github-api-version': API_VERSION,
        ...(body !== undefined && { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
      redirect: 'manual',
    });
    const text = await response.text();
    if (!response.ok)
      throw new GithubError(`GitHub answered ${method} ${path.split('?')[0]} with HTTP ${response.status}`);
    return text === '' ? undefined : (JSON.parse(text) as unknown);
  };

  let runId: number | undefined;
  try {
    const ref = config.ref ?? Repository.parse(await call('GET', '')).default_branch;
    const since = new Date(run.now().getTime() - 2000);
    const { service, version, environment } = run.target;
    const dispatched = await call('POST', `/actions/workflows/${workflow}/dispatches`, {
      ref,
      inputs: { service, version, environment, deploy_id: deployId },
      return_run_details: true,
    });
    const details = Dispatched.safeParse(dispatched);
    if (details.success) {
      runId = details.data.workflow_run_id;
      run.onLink?.(details.data.html_url);
    }
    run.onOutput(`dispatched ${config.workflow} on ${ref}\n`);
    let last = '';
    while (!deadline.aborted) {
      if (runId === undefined) {
        const { workflow_runs } = Runs.parse(
          await call('GET', `/actions/workflows/${workflow}/runs?event=workflow_dispatch&per_page=10`),
        );
        const found = workflow_runs
          .filter((r) => new Date(r.created_at) >= since)
          .sort((a, b) => b.created_at.localeCompare(a.created_at))[0];
        if (found) {
          runId = found.id;
          run.onLink?.(found.html_url);
        }
      }
      if (runId !== undefined) {
        const current = Run.parse(await call('GET', `/actions/runs/${runId}`));
        const status = `${current.status ?? 'unknown'}${current.conclusion ? ` (${current.conclusion})` : ''}`;
        if (status !== last) run.onOutput(`run ${runId}: ${status}\n`);
        last = status;
        if (current.status === 'completed') {
          const committedAt = Date.parse(current.head_commit?.timestamp ?? '');
          return current.conclusion === 'success'
            ? { ok: true, detail: 'the workflow run succeeded', ...(!Number.isNaN(committedAt) && { committedAt }) }
            : { ok: false, detail: `the workflow run ended ${current.conclusion ?? 'without a conclusion'}` };
        }
      }
      await delay(config.pollInterval, undefined, { signal: deadline });
    }
  } catch (error) {
    if (!deadline.aborted) {
      return { ok: false, detail: error instanceof GithubError ? error.message : 'GitHub could not be reached' };
    }
  }
  if (run.signal.aborted && runId !== undefined) {
    await call('POST', `/actions/runs/${runId}/cancel`, undefined, AbortSignal.timeout(10_000)).catch(() => undefined);
  }
  return { ok: false, detail: run.signal.aborted ? 'cancelled' : `timed out after ${formatDuration(config.timeout)}` };
}
