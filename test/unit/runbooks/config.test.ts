import { describe, expect, it } from 'vitest';
import { parseCatalog } from '../../../src/catalog.js';
import { ConfigError } from '../../../src/config/errors.js';
import { experimentsConfig, runbooksConfig } from '../../../src/runbooks/config.js';

function problemsOf(yamlText: string): string[] {
  try {
    parseCatalog(yamlText, {});
  } catch (error) {
    if (error instanceof ConfigError) return error.problems.map((p) => p.replace(/ \(line \d+\)$/, ''));
    throw error;
  }
  return [];
}

describe('runbooks in ops.yml', () => {
  it('parses steps of every kind with their defaults', () => {
    const { catalog } = parseCatalog(
      `
roles: { approver: [U0BOB] }
services:
  api: { checks: { http: { type: http, url: "http://127.0.0.1:1/healthz" } }, runbooks: [restart] }
runbooks:
  restart:
    parameters: [{ name: reason }]
    steps:
      - { name: a, run: ["./a.sh", "{service}", "{reason}"] }
      - { name: b, http: { method: POST, url: "http://x/{service}" }, retryable: true }
      - { name: c, check: api.http, onFailure: [tell] }
      - { name: d, wait: 5s }
      - { name: e, approve: { from: approver } }
    recovery:
      - { name: tell, say: "{service} still down" }
`,
      {},
    );
    const restart = runbooksConfig.of(catalog).restart!;
    expect(restart.allow).toEqual(['deployer']);
    expect(restart.steps.map((s) => `${s.kind}:${s.onFailure}:${s.retryable}`)).toEqual([
      'run:stop:false',
      'http:stop:true',
      'check:tell:false',
      'wait:stop:true',
      'approve:stop:false',
    ]);
    expect(runbooksConfig.serviceOf(catalog.services.api!).runbooks).toEqual(['restart']);
    expect(experimentsConfig.of(catalog)).toEqual({});
  });

  it('names each problem with its path', () => {
    expect(
      problemsOf(`
roles: { approver: [U0BOB] }
services:
  api: { runbooks: [restart, nope], checks: { http: { type: http, url: "http://127.0.0.1:1/" } } }
runbooks:
  Restart_All: { steps: [{ name: a, say: hi }] }
  empty: { steps: [] }
  restart:
    approval: { from: admins }
    parameters: [{ name: host }]
    steps:
      - { name: both, run: [./x], check: api.http }
      - { name: neither }
      - { name: timed, check: api.http, timeout: 1s }
      - { name: flip, flag: { key: x, to: off } }
  refs:
    parameters: [{ name: host }]
    steps:
      - { name: inline, run: ["./x", "--host={host}"] }
      - { name: unknown, say: "{who}" }
      - { name: gate, approve: true }
      - { name: gate, check: web, onFailure: [missing] }
  hands-free:
    auto: true
    parameters: [{ name: host }, { name: mode, default: soft }]
    steps: [{ name: a, say: "{host} {mode}" }]
experiments:
  slow: { service: api, guard: [smoke], file: x.json }
  neither: {}
`),
    ).toEqual([
      'runbooks.Restart_All: runbook names must be lowercase letters, digits and "-", starting with a letter',
      'runbooks.empty.steps: must have at least one step',
      'runbooks.restart.steps[0]: a step has one kind, not "run" and "check"',
      'runbooks.restart.steps[1]: a step needs one of "run", "http", "check", "wait", "approve", "say", "flag"',
      'runbooks.restart.steps[2].timeout: does not apply to a "check" step',
      'runbooks.refs.steps[0].run[1]: a parameter fills a whole argument: write "{host}" as its own element',
      'runbooks.refs.steps[1].say: unknown placeholder {who} (not a parameter)',
      'runbooks.refs.steps[2].approve: `approve: true` uses the runbook’s `approval:`, which it has not; give { from: <role> }',
      'runbooks.refs.steps[3].name: duplicate step name "gate"',
      'runbooks.refs.steps[3].onFailure: "missing" is not a step under recovery',
      'runbooks.hands-free.parameters[0].default: `auto: true` needs a default for every parameter ("host" has none)',
      'experiments.neither: an experiment has either `file:` or `experiment:`',
      'services.api.runbooks[1]: runbook "nope" is not defined in runbooks',
      'runbooks.restart.approval.from: role "admins" is not defined in roles',
      'runbooks.restart.steps[3].flag: a flag step needs a `flags:` section',
      'runbooks.refs.steps[3].check: service "web" is not defined in services',
      'experiments.slow.guard[0]: check "smoke" is not defined in services.api.checks',
    ]);
  });
});
