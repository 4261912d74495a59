import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
});
