import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseCatalog } from '../src/catalog.js';
import { loadEnv } from '../src/config/env.js';
import { createLogger } from '../src/log.js';
import { type Opsdeck, slackTransport, startOpsdeck } from '../src/runtime.js';
import { startPrivateRedis } from '../src/workspace/local/private-redis.js';
import { checking, type Ratio, report } from './guard.js';

/**
 * Lets one bench file run on its own (`tsx bench/alerts.ts`) as well as from `npm run bench`: when `moduleUrl` is the
 * script being run, measures against REDIS_URL or a private redis-server, and prints the Markdown section. With
 * `--check`, compares the bench's ratios with their targets (bench/guard.ts) and exits non-zero when one is missed.
 */
export async function runWhenMain<F>(
  moduleUrl: string,
  bench: (redisUrl: string) => Promise<F>,
  render: (figures: F) => string,
  ratios: (figures: F) => Ratio[] = () => [],
): Promise<void> {
  if (moduleUrl !== pathToFileURL(process.argv[1] ?? '').href) return;
  const dir = mkdtempSync(join(tmpdir(), 'opsdeck-bench-redis-'));
  const redis = process.env.REDIS_URL ? undefined : await startPrivateRedis({ dir });
  let figures: F;
  try {
    figures = await bench(process.env.REDIS_URL ?? redis!.url);
    process.stdout.write(`${render(figures)}\n`);
  } finally {
    await redis?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  if (checking() && report(ratios(figures)) > 0) process.exitCode = 1;
}

/**
 * One Opsdeck process in this process, as the benches run it: against the Slack-compatible server at `slackApiUrl`,
 * logging nothing, with `opsYml` and any extra environment (`vars` wins).
 */
export async function startBenchOpsdeck(options: {
  slackApiUrl: string;
  botToken: string;
  signingSecret: string;
  redisUrl: string;
  redisPrefix: string;
  opsYml: string;
  vars?: Record<string, string>;
}): Promise<Opsdeck> {
  const vars: Record<string, string> = {
    SLACK_BOT_TOKEN: options.botToken,
    SLACK_SIGNING_SECRET: options.signingSecret,
    SLACK_API_URL: options.slackApiUrl,
    REDIS_URL: options.redisUrl,
    REDIS_PREFIX: options.redisPrefix,
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'silent',
    ...options.vars,
  };
  const env = loadEnv(vars);
  if (env.slack.mode === 'local') throw new Error('the bench gives Slack credentials');
  return startOpsdeck({
    env,
    slack: slackTransport(env.slack),
    catalog: parseCatalog(options.opsYml, vars).catalog,
    logger: createLogger({ level: 'silent' }),
  });
}
