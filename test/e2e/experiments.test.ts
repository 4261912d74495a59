import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExperimentSchema } from '../../src/runbooks/experiments/schema.js';
import { ensureExperimentIsValid } from '../support/chaos-validate.js';
import { answer } from '../support/deploys.js';
import { CHANNEL, type Harness, startHarness, TEST_OPS_YML, USERS } from '../support/harness.js';
import { repoRoot } from '../support/repo.js';
import { refusalAudited, runMessage, runMessages, startRun } from '../support/runbooks.js';
import { startHttpTarget } from '../support/targets.js';

/**
 * Chaos Toolkit experiments (process and http providers, tolerances, pauses, rollbacks) run as runbooks: the
 * hypothesis before and after the method, rollbacks whatever happened, a failing guard check aborting the method,
 * and each probe's value in the result.
 */
const FIXTURES = join(repoRoot, 'test/fixtures/chaostoolkit');
let h: Harness;
let dir: string;
let service: Awaited<ReturnType<typeof startHttpTarget>>;
let guardTarget: Awaited<ReturnType<typeof startHttpTarget>>;

/** A fixture copied into the test's directory, its `configuration` pointed at the test's file and server. */
function copyFixture(name: string, as: string, scratch = 'scratch.txt'): string {
  const experiment = JSON.parse(readFileSync(join(FIXTURES, name), 'utf8'));
  experiment.configuration = {
    ...experiment.configuration,
    scratch: join(dir, scratch),
    service_url: service.url,
  };
  const path = join(dir, as);
  writeFileSync(path, JSON.stringify(experiment, null, 2));
  return path;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'opsdeck-experiments-'));
  writeFileSync(join(dir, 'scratch.txt'), '');
  service = await startHttpTarget((_req, res) => res.writeHead(503).end('degraded'));
  guardTarget = await startHttpTarget((_req, res) => res.writeHead(500).end('down'));
  const opsYml = `${TEST_OPS_YML}
services:
  api:
    checks: { http: { type: http, url: "${guardTarget.url}/healthz", expect: { status: 200 } } }
experiments:
  holds: { file: "${copyFixture('hypothesis-holds.json', 'holds.json')}" }
  deviates: { file: "${copyFixture('hypothesis-fails.json', 'deviates.json')}" }
  guarded: { file: "${copyFixture('hypothesis-fails.json', 'guarded.json')}", service: api, guard: [http] }
  gated: { file: "${copyFixture('hypothesis-holds.json', 'gated.json', 'gated-scratch.txt')}", approval: { from: approver } }
`;
  h = await startHarness({ opsYml });
});

afterAll(async () => {
  await h.close();
  await service.close();
  await guardTarget.close();
  rmSync(dir, { recursive: true, force: true });
});

const blocksOf = (message: { blocks?: unknown }) => JSON.stringify(message.blocks);

describe('chaos experiments', () => {
  it('uses fixtures that pass Chaos Toolkit’s validation and Opsdeck’s schema', () => {
    for (const name of ['hypothesis-holds.json', 'hypothesis-fails.json']) {
      const experiment = JSON.parse(readFileSync(join(FIXTURES, name), 'utf8'));
      expect(() => ensureExperimentIsValid(experiment), name).not.toThrow();
      expect(ExperimentSchema.safeParse(experiment).success, name).toBe(true);
    }
    expect(() => ensureExperimentIsValid({ title: 't', description: 'd' })).toThrow(/requires a method/);
  });

  it('runs an experiment whose hypothesis holds, showing each probe’s value', async () => {
    const id = await startRun(h, () => answer(h, USERS.alice, 'experiment holds'));
    const done = await runMessage(h, id, 'succeeded');
    const shown = blocksOf(done);
    expect(shown).toContain('hypothesis held before and after');
    expect(shown).toMatch(/list-all-files-in-directory \(before\)\* done.*value: `exit 0/);
    expect(shown).toMatch(/service-is-unavailable \(after\)\* done.*value: `HTTP 503: degraded`/);
    expect(shown).toMatch(/pause after touch-file\* done/);
  });

  it('reports a deviated hypothesis, and still runs the rollbacks', async () => {
    const id = await startRun(h, () => answer(h, USERS.alice, 'experiment deviates'));
    const done = await runMessage(h, id, 'failed');
    const shown = blocksOf(done);
    expect(shown).toContain('did *not* hold after the method (deviated)');
    expect(shown).toMatch(/check-file-exists \(after\)\* failed.*value: `exit 1`/);
    expect(shown).toMatch(/rollback: restore-file\* done/);
    expect(existsSync(join(dir, 'scratch.txt'))).toBe(true);
  });

  it('aborts the method when a guard check fails, and runs the rollbacks', async () => {
    const id = await startRun(h, () => answer(h, USERS.alice, 'experiment guarded'));
    const done = await runMessage(h, id, 'failed');
    const shown = blocksOf(done);
    expect(shown).toContain('The method was aborted');
    expect(shown).toMatch(/remove-file\* failed.*guard api.http failed, method aborted/);
    expect(shown).toMatch(/check-file-exists \(after\)\* skipped/);
    expect(shown).toMatch(/rollback: restore-file\* done/);
    expect(existsSync(join(dir, 'scratch.txt'))).toBe(true);
    const metrics = await (await fetch(`${h.opsdeck.url}/metrics`)).text();
    expect(metrics).toMatch(/opsdeck_experiments_total\{experiment="guarded",outcome="aborted"\} 1/);
    expect(metrics).toMatch(/opsdeck_experiments_total\{experiment="holds",outcome="completed"\} 1/);
  });

  it('answers a second run of an experiment another run holds through the command’s response_url', async () => {
    const id = await startRun(h, () => answer(h, USERS.alice, 'experiment gated'));
    const waiting = await runMessage(h, id, 'waiting for approval');
    const res = await h.slack.sendCommand({ userId: USERS.alice, channelId: CHANNEL, text: 'experiment gated' });
    expect(JSON.stringify(res.body)).toContain('Starting experiment gated');
    const refused = await h.slack.waitForCall(
      (c) => c.method === 'response_url' && c.path === new URL(res.responseUrl).pathname,
      15_000,
    );
    expect(String(refused.params.text)).toMatch(new RegExp(`gated is already running: #${id}, waiting`));
    await refusalAudited(h, 'runbooks.experiment', `already running: #${id},`);
    expect(runMessages(h).filter((m) => /^Experiment gated /.test(m.text))).toHaveLength(1);
    await h.slack.sendBlockAction({
      userId: USERS.alice,
      channelId: CHANNEL,
      messageTs: waiting.ts,
      actionId: 'runbook_cancel',
    });
    await runMessage(h, id, 'cancelled');
  });
});
