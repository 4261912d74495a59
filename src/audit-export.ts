/**
 * `node dist/audit-export.js [--after <id>]`: prints the audit log as JSON lines on stdout, for a SIEM (see
 * `src/audit/export.ts` for the line format). It reads REDIS_URL, REDIS_PREFIX and REDIS_CLUSTER_HASH_TAG like
 * Opsdeck itself, and only reads. On stderr, one pino line at the end says how many entries it wrote and the last id
 * (pass it as `--after` next time to export only what is new) and whether the hash chain verifies.
 */
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { exportAudit } from './audit/export.js';
import { loadEnv } from './config/env.js';
import { ConfigError } from './config/errors.js';
import { createLogger } from './log.js';
import { AuditLog } from './platform/audit-log.js';
import { connectRedis } from './redis/connections.js';
import { redisKeys } from './redis/keys.js';

const USAGE = 'usage: node dist/audit-export.js [--after <stream id>]';
/** A Redis stream id: `<ms>-<seq>`. */
const STREAM_ID = /^\d{1,20}-\d{1,20}$/;

async function main(): Promise<void> {
  let after: string | undefined;
  try {
    ({ after } = parseArgs({ options: { after: { type: 'string' } }, strict: true }).values);
  } catch {
    fail(USAGE, 2);
  }
  if (after !== undefined && !STREAM_ID.test(after))
    fail(`--after must be a stream id such as 1764669600000-0\n${USAGE}`, 2);

  const env = loadEnv(process.env);
  const logger = createLogger({ level: env.logLevel, destination: pino.destination(2) });
  const redis = connectRedis(env.redis, redisKeys(env.redis.prefix, { hashTag: env.redis.hashTag }), logger);
  try {
    await redis.client.connect().catch(() => {
      throw new Error(`REDIS_URL: cannot reach Redis at ${redis.where}`);
    });
    const audit = new AuditLog(redis.client, redis.keys.audit, env.audit);
    const result = await exportAudit(
      audit,
      async (line) => {
        if (!process.stdout.write(line)) await once(process.stdout, 'drain');
      },
      after,
    );
    const verification = await audit.verify();
    logger.info({ ...result, chainOk: verification.ok, brokenAt: verification.brokenAt }, 'audit export done');
  } finally {
    await redis.close();
  }
}

function fail(message: string, code: number): never {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}

main().catch((error: unknown) => {
  const lines =
    error instanceof ConfigError ? error.problems : [error instanceof Error ? error.message : String(error)];
  process.stderr.write(`audit-export: failed\n${lines.map((line) => `  ${line}`).join('\n')}\n`);
  process.exit(1);
});
