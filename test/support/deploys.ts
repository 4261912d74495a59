import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, vi } from 'vitest';
import type { WorkspaceMessage } from '../../src/workspace/state.js';
import { CHANNEL, type Harness } from './harness.js';

/** The lines test/fixtures/deploys/record-deploy.mjs appended to `<dir>/deploys.log`: what was deployed, how often. */
export function deployLog(dir: string): string[] {
  try {
    return readFileSync(join(dir, 'deploys.log'), 'utf8').trim().split('\n').filter(Boolean);
  } catch {
    return [];
  }
}

/** A command provider running the recording deploy target, for a test's ops.yml. */
export function recordingDeploy(dir: string, env: Record<string, string> = {}): string {
  const vars = Object.entries({ DEPLOY_LOG: join(dir, 'deploys.log'), ...env })
    .map(([name, value]) => `${name}: "${value}"`)
    .join(', ');
  return `provider: command
      command: ["node", "test/fixtures/deploys/record-deploy.mjs", "{service}", "{version}", "{environment}"]
      env: { ${vars} }`;
}

/** Sends `/ops <text>` and returns the ephemeral answer: in the ack's body, or through its response_url. */
export async function answer(h: Harness, userId: string, text: string): Promise<string> {
  const res = await h.slack.sendCommand({ userId, channelId: CHANNEL, text });
  expect(res.status).toBe(200);
  const body = res.body as { text?: string } | string;
  if (typeof body === 'object' && body?.text) return body.text;
  const reply = await h.slack.waitForCall(
    (c) => c.method === 'response_url' && c.path === new URL(res.responseUrl).pathname,
  );
  return String(reply.params.text);
}

/** Waits until the message of deploy `id` in the channel says `status`, and returns it. */
export function deployMessage(h: Harness, id: string, status: string): Promise<WorkspaceMessage> {
  return vi.waitFor(
    () => {
      const found = (h.slack.state.messages.get(CHANNEL) ?? []).find(
        (m) => !m.threadTs && m.text.startsWith(`#${id} `),
      );
      expect(found?.text).toMatch(new RegExp(`: ${status}$`));
      return found!;
    },
    { timeout: 20_000, interval: 20 },
  );
}

/** The deploy id in an answer such as `Requested #12: …`. */
export const idOf = (text: string): string => /#(\d+)/.exec(text)![1]!;
