import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, vi } from 'vitest';
import type { WorkspaceMessage } from '../../src/workspace/state.js';
import { CHANNEL, type Harness } from './harness.js';

/** The lines test/fixtures/runbooks/record-step.mjs appended to `<dir>/steps.log`: which steps ran, how often. */
export function stepsLog(dir: string): string[] {
  try {
    return readFileSync(join(dir, 'steps.log'), 'utf8').trim().split('\n').filter(Boolean);
  } catch {
    return [];
  }
}

/** A `run:` argv running the recording step with `words`, and its env, for a test's ops.yml. */
export function recordingStep(dir: string, words: string[], env: Record<string, string> = {}): string {
  const vars = Object.entries({ STEPS_LOG: join(dir, 'steps.log'), ...env })
    .map(([name, value]) => `${name}: "${value}"`)
    .join(', ');
  const argv = ['node', 'test/fixtures/runbooks/record-step.mjs', ...words].map((w) => JSON.stringify(w)).join(', ');
  return `run: [${argv}], env: { ${vars} }`;
}

/** Waits until the progress message of run `id` says `status` (a regex source), and returns it. */
export function runMessage(
  h: Harness,
  id: string,
  status: string,
  options: { channel?: string; timeout?: number } = {},
): Promise<WorkspaceMessage> {
  const channel = options.channel ?? CHANNEL;
  return vi.waitFor(
    () => {
      const found = (h.slack.state.messages.get(channel) ?? []).find(
        (m) => new RegExp(`#${id}: `).test(m.text) && /^(Runbook|Experiment) /.test(m.text),
      );
      expect(found?.text).toMatch(new RegExp(`#${id}: ${status}$`));
      return found!;
    },
    { timeout: options.timeout ?? 20_000, interval: 20 },
  );
}

/** The run id in an answer such as `Started Runbook restart on api #3: …`. */
export const runIdOf = (text: string): string => /#(\d+)/.exec(text)![1]!;

/** Every progress message of runs in the channel (top level or in a thread). */
export const runMessages = (h: Harness, channel = CHANNEL): WorkspaceMessage[] =>
  (h.slack.state.messages.get(channel) ?? []).filter((m) => /^(Runbook|Experiment) .*#\d+: /.test(m.text));

/**
 * `/ops run …` acks "Starting …" and a worker starts the run: sends the command through `ask`, checks the ack, and
 * waits for the progress message of the run it started (the one new in the channel); gives the run's id.
 */
export async function startRun(h: Harness, ask: () => Promise<string>, channel = CHANNEL): Promise<string> {
  const before = new Set(runMessages(h, channel).map((m) => m.ts));
  const ack = await ask();
  const [, kind, label] = /^Starting (runbook|experiment) (.+?)…/.exec(ack) ?? [];
  expect(label, ack).toBeDefined();
  // Its label too: a run an earlier command started may be posted only now.
  const prefix = `${kind === 'runbook' ? 'Runbook' : 'Experiment'} ${label} #`;
  return vi.waitFor(
    () => {
      const started = runMessages(h, channel).filter((m) => !before.has(m.ts) && m.text.startsWith(prefix));
      expect(started).toHaveLength(1);
      return runIdOf(started[0]!.text);
    },
    { timeout: 20_000, interval: 20 },
  );
}

/** Waits until the audit log has a refusal of `action` (`runbooks.run`, `runbooks.experiment`) whose detail says `detail`. */
export function refusalAudited(h: Harness, action: string, detail: string): Promise<void> {
  return vi.waitFor(
    async () => {
      const audit = await h.opsdeck.audit.latest(20);
      const refusals = audit.filter((e) => e.action === action && e.outcome === 'denied');
      expect(refusals.map((e) => e.detail)).toContainEqual(expect.stringContaining(detail));
    },
    { timeout: 15_000 },
  );
}
