// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ops.yml's ${VAR} syntax is what these files contain.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../support/repo.js';

const dir = mkdtempSync(join(tmpdir(), 'opsdeck-check-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** `opsdeck check-config` as a CI pipeline runs it: a child process, its exit code and what it printed. */
function checkConfig(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'src/check-config.ts', ...args],
      { cwd: repoRoot, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env } },
      (error, stdout) => resolve({ code: error ? Number(error.code) : 0, stdout }),
    );
  });
}

describe('opsdeck check-config', () => {
  it('passes ops.example.yml and exits 0', { timeout: 60_000 }, async () => {
    const result = await checkConfig(['check-config', 'ops.example.yml']);
    expect(result).toEqual({ code: 0, stdout: 'ops.example.yml: OK\n' });
  });

  it('prints every problem of the file and the environment with path and line, and exits 1', {
    timeout: 60_000,
  }, async () => {
    const file = join(dir, 'ops.yml');
    writeFileSync(
      file,
      [
        'roles:',
        '  admin: [nobody]',
        'rolse: {}',
        'services:',
        '  api:',
        '    checks: { http: { type: http, url: "${API_URL}" } }',
        '    deploy: { provider: command, command: [./d.sh], environments: { prod: { approval: { from: approver } } } }',
        '',
      ].join('\n'),
    );
    const result = await checkConfig([file], { PORT: 'abc' });
    expect(result.code).toBe(1);
    expect(result.stdout.trim().split('\n')).toEqual([
      'error: PORT: must be an integer between 0 and 65535',
      'error: rolse: `rolse` is not a section; did you mean `roles`? (line 3)',
      'error: services.api.checks.http.url: environment variable API_URL is not set (line 6)',
      'error: roles.admin[0]: must be a Slack user ID (U…/W…), user-group ID (S…) or "*" (line 2)',
      'error: services.api.deploy.environments.prod.approval.from: role "approver" is not defined in roles (line 7)',
      `${file}: 5 problems`,
    ]);
  });

  it('names OPS_CONFIG when the file is missing, and refuses two files', { timeout: 60_000 }, async () => {
    const missing = await checkConfig([], { OPS_CONFIG: join(dir, 'nope.yml') });
    expect(missing.code).toBe(1);
    expect(missing.stdout).toContain(`error: OPS_CONFIG: file not found: ${join(dir, 'nope.yml')}`);
    expect((await checkConfig(['a.yml', 'b.yml'])).code).toBe(2);
  });
});
