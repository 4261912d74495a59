import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditLog } from '../../src/platform/audit-log.js';
import { redisKeys } from '../../src/redis/keys.js';
import { deletePrefix, redisClient, redisUrl, uniquePrefix } from '../support/redis.js';
import { repoRoot } from '../support/repo.js';

const run = promisify(execFile);
const redis = redisClient();
const prefix = uniquePrefix();

/** Runs the export CLI as an operator would (`node dist/audit-export.js`, here from source). */
async function auditExport(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', 'src/audit-export.ts', ...args], {
      cwd: repoRoot,
      env: { PATH: process.env.PATH ?? '', REDIS_URL: redisUrl(), REDIS_PREFIX: prefix, LOG_LEVEL: 'info' },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

beforeAll(async () => {
  const audit = new AuditLog(redis, redisKeys(prefix).audit, { maxAgeMs: 24 * 3600_000, maxEntries: 1000 });
  for (let n = 0; n < 5; n++) {
    await audit.append({
      actor: 'U0ALICE',
      action: 'deploy.request',
      target: `api@1.0.${n}`,
      outcome: n === 2 ? 'denied' : 'ok',
      ...(n === 2 ? { detail: 'needs role approver' } : {}),
      at: new Date(Date.UTC(2026, 11, 2, 10, 0, n)),
    });
  }
});
afterAll(async () => {
  await deletePrefix(redis, prefix);
  redis.disconnect();
});

describe('node dist/audit-export.js', () => {
  it('prints every entry as one JSON line, oldest first, and reports the last id on stderr', async () => {
    const { code, stdout, stderr } = await auditExport([]);
    expect(code).toBe(0);
    const lines = stdout
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.map((l) => l.target)).toEqual(['api@1.0.0', 'api@1.0.1', 'api@1.0.2', 'api@1.0.3', 'api@1.0.4']);
    expect(lines[2]).toEqual({
      id: expect.stringMatching(/^\d+-\d+$/),
      at: '2026-12-02T10:00:02.000Z',
      actor: 'U0ALICE',
      action: 'deploy.request',
      target: 'api@1.0.2',
      outcome: 'denied',
      detail: 'needs role approver',
      hash: expect.stringMatching(/^[0-9a-f]{40}$/),
      prev: lines[1]!.hash,
    });
    const done = JSON.parse(stderr.trim().split('\n').at(-1)!) as Record<string, unknown>;
    expect(done).toMatchObject({ msg: 'audit export done', count: 5, last: lines[4]!.id, chainOk: true });
  });

  it('exports only what is newer than --after', async () => {
    const all = (await auditExport([])).stdout.trimEnd().split('\n');
    const after = (JSON.parse(all[2]!) as { id: string }).id;
    const { code, stdout } = await auditExport(['--after', after]);
    expect(code).toBe(0);
    expect(stdout.trimEnd().split('\n')).toEqual(all.slice(3));
  });

  it('refuses an argument it does not know, with the usage', async () => {
    const { code, stdout, stderr } = await auditExport(['--since', 'yesterday']);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain('usage: node dist/audit-export.js [--after <stream id>]');
    expect((await auditExport(['--after', 'yesterday'])).stderr).toContain('--after must be a stream id');
  });
});
