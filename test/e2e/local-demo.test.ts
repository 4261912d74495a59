import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSlackServer } from '../../src/workspace/server.js';
import { type LocalDemo, pageMessage, startLocalDemo } from '../support/local-demo.js';

/**
 * The local workspace's demo (issues #19, #20) as `npm start` runs it on ops.example.yml: the slow-api experiment runs
 * as written — real HTTP to the demo service, which it slows down and speeds up again — and its hypothesis deviates.
 */
const API = 'C0API';
const DANA = 'U0DANA';

let demo: LocalDemo;

beforeAll(async () => {
  demo = await startLocalDemo();
}, 60_000);

afterAll(async () => {
  await demo?.close();
});

const demoState = async () => (await fetch(`${demo.demoServiceUrl}/state`)).json() as Promise<{ slow: boolean }>;

describe('the local workspace demo', () => {
  it('runs the slow-api experiment: the hypothesis holds, the API slows down, deviates, and the rollback speeds it up', {
    timeout: 90_000,
  }, async () => {
    const started = await demo.command(DANA, API, '/ops experiment slow-api');
    expect(started.status).toBe(200);
    const done = await pageMessage(demo, DANA, API, /^Experiment slow-api on api #\d+: failed$/, 60_000);
    const shown = JSON.stringify(done.blocks);
    expect(shown).toMatch(/api-answers-within-a-second \(before\)\* done.*value: `HTTP 200/);
    expect(shown).toMatch(/slow-down-api\* done/);
    expect(shown).toMatch(/api-answers-within-a-second \(after\)\* failed.*took too long/);
    expect(shown).toMatch(/rollback: speed-up-api\* done/);
    expect(shown).toContain('did *not* hold after the method (deviated)');
    expect(await demoState()).toMatchObject({ slow: false });
  });

  it('lists the Demo panel’s actions, and refuses an unknown one, a command one and anything not JSON', async () => {
    const listed = (await (await fetch(`${demo.workspaceUrl}/workspace/demo`)).json()) as {
      actions: Array<{ id: string; command?: { channel: string; text: string } }>;
    };
    expect(listed.actions.map((a) => a.id)).toEqual([
      'break',
      'heal',
      'slow',
      'grafana-alert',
      'generic-alert',
      'runbook',
      'experiment',
    ]);
    expect(listed.actions.find((a) => a.id === 'runbook')?.command).toEqual({
      channel: API,
      text: '/ops run restart-api',
    });
    const post = (body: string, type = 'application/json') =>
      fetch(`${demo.workspaceUrl}/workspace/demo`, { method: 'POST', headers: { 'content-type': type }, body });
    for (const body of ['{"action":"nope"}', '{"action":"runbook"}', '{"action":"<b>"}', '{}', 'not json']) {
      const res = await post(body);
      expect(res.status, body).toBe(400);
      expect(await res.json(), body).toHaveProperty('error');
    }
    expect((await post('{"action":"heal"}', 'text/plain')).status).toBe(400);
    expect(await demoState()).toMatchObject({ slow: false });
  });

  it('has no Demo panel in a workspace that was given none', async () => {
    const plain = await createSlackServer({ botToken: 'xoxb-plain', signingSecret: 'plain-secret' });
    try {
      expect(await (await fetch(`${plain.url}/workspace/demo`)).json()).toEqual({ actions: [] });
      const res = await fetch(`${plain.url}/workspace/demo`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"action":"break"}',
      });
      expect(res.status).toBe(400);
    } finally {
      await plain.close();
    }
  });
});
