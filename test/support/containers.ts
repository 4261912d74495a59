import { spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export { run, runOk } from './commands.js';
export { roundRobin } from './proxy.js';

/**
 * The image the container tests run: `.ci/run` builds it (`opsdeck:ci`, from the Debian-built bases of
 * scripts/docker-base.sh); on a laptop, build it with the same commands or point OPSDECK_IMAGE at one.
 */
export const OPSDECK_IMAGE = process.env.OPSDECK_IMAGE ?? 'opsdeck:ci';
/** A Redis image for docker-compose.yml in place of `redis:7`, which CI cannot pull. */
export const REDIS_IMAGE = process.env.REDIS_IMAGE ?? 'opsdeck-redis:local';

function imagePresent(image: string): boolean {
  return spawnSync('docker', ['image', 'inspect', image], { stdio: 'ignore' }).status === 0;
}

/**
 * Whether the container tests run: always under CI, where a missing engine or image fails them saying what is
 * missing (they never skip there); elsewhere only when Docker answers and both images are built.
 */
export const CONTAINER_TESTS = (() => {
  const ci =
    process.env.CI !== undefined && process.env.CI !== '' && process.env.CI !== 'false' && process.env.CI !== '0';
  return ci || (imagePresent(OPSDECK_IMAGE) && imagePresent(REDIS_IMAGE));
})();

/** The URLs in the "opsdeck started" lines of container logs (pino JSON, possibly behind a compose prefix). */
export function startedUrls(logs: string): string[] {
  const urls: string[] = [];
  for (const line of logs.split('\n')) {
    const json = line.slice(line.indexOf('{'));
    if (!json.startsWith('{')) continue;
    try {
      const entry = JSON.parse(json) as { msg?: string; url?: string };
      if (entry.msg === 'opsdeck started' && entry.url) urls.push(entry.url);
    } catch {
      // not a log line of Opsdeck's
    }
  }
  return urls;
}

/** A free TCP port on 127.0.0.1 (for a container on the host network, which cannot be asked for port 0 back). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
