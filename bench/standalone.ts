import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { startPrivateRedis } from '../src/workspace/local/private-redis.js';

/**
 * Lets one bench file run on its own (`tsx bench/alerts.ts`) as well as from `npm run bench`: when `moduleUrl` is the
 * script being run, measures against REDIS_URL or a private redis-server, and prints the Markdown section.
 */
export async function runWhenMain<F>(
  moduleUrl: string,
  bench: (redisUrl: string) => Promise<F>,
  render: (figures: F) => string,
): Promise<void> {
  if (moduleUrl !== pathToFileURL(process.argv[1] ?? '').href) return;
  const dir = mkdtempSync(join(tmpdir(), 'opsdeck-bench-redis-'));
  const redis = process.env.REDIS_URL ? undefined : await startPrivateRedis({ dir });
  try {
    process.stdout.write(`${render(await bench(process.env.REDIS_URL ?? redis!.url))}\n`);
  } finally {
    await redis?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
