/**
 * `npm run bench`: every bench in one run, against one private redis-server, written to bench/results.md:
 * (1) acks of signed `/ops help` (bench/acks.ts), (2) delivery through the outbox (bench/delivery.ts), (3) an alert
 * storm (bench/alerts.ts), (4) `/ops status` (bench/status.ts), (5) deploys approved at once (bench/deploys.ts),
 * (6) runbooks started at once (bench/runbooks.ts), (7) OFREP flag evaluation (bench/flags.ts), (8) the local
 * workspace in memory and persisted (bench/workspace.ts), (9) capacity: delivery with 1, 2 and 4 worker processes and
 * acks with 1 and 2 bot processes, with Redis CPU at each step (bench/capacity.ts). Each file also runs alone (`tsx bench/status.ts`).
 * `npm run bench -- --check` then compares every ratio with its target (bench/guard.ts) and exits non-zero when one is
 * missed.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPrivateRedis } from '../src/workspace/local/private-redis.js';
import { benchAcks, renderAcks } from './acks.js';
import { benchAlerts, renderAlerts } from './alerts.js';
import { benchCapacity, renderCapacity } from './capacity.js';
import { benchDelivery, renderDelivery } from './delivery.js';
import { benchDeploys, renderDeploys } from './deploys.js';
import { benchFlags, renderFlags } from './flags.js';
import {
  ackRatios,
  alertRatios,
  checking,
  deliveryRatios,
  deployRatios,
  flagRatios,
  type Ratio,
  report,
  runbookRatios,
  statusRatios,
  workspaceRatios,
} from './guard.js';
import { benchRunbooks, renderRunbooks } from './runbooks.js';
import { benchStatus, renderStatus } from './status.js';
import { benchWorkspace, renderWorkspace } from './workspace.js';

/** A bench as run.ts runs it: measure, render its section, and the ratios the guard compares. */
interface Bench<F> {
  run(redisUrl: string): Promise<F>;
  render(figures: F): string;
  ratios?(figures: F): Ratio[];
}

const bench = <F>(b: Bench<F>) => b as Bench<unknown>;

const BENCHES = [
  bench({ run: benchAcks, render: renderAcks, ratios: ackRatios }),
  bench({ run: benchDelivery, render: renderDelivery, ratios: deliveryRatios }),
  bench({ run: benchAlerts, render: renderAlerts, ratios: alertRatios }),
  bench({ run: benchStatus, render: renderStatus, ratios: statusRatios }),
  bench({ run: benchDeploys, render: renderDeploys, ratios: deployRatios }),
  bench({ run: benchRunbooks, render: renderRunbooks, ratios: runbookRatios }),
  bench({ run: benchFlags, render: renderFlags, ratios: flagRatios }),
  bench({ run: benchWorkspace, render: renderWorkspace, ratios: workspaceRatios }),
  bench({ run: benchCapacity, render: renderCapacity }),
];

async function main() {
  const redisDir = mkdtempSync(join(tmpdir(), 'opsdeck-bench-redis-'));
  const redis = process.env.REDIS_URL ? undefined : await startPrivateRedis({ dir: redisDir });
  const redisUrl = process.env.REDIS_URL ?? redis!.url;
  const sections: string[] = [];
  const ratios: Ratio[] = [];
  const loads: string[] = [];
  try {
    for (const b of BENCHES) {
      loads.push(loadavg()[0]!.toFixed(1));
      const figures = await b.run(redisUrl);
      sections.push(b.render(figures));
      ratios.push(...(b.ratios?.(figures) ?? []));
    }
  } finally {
    await redis?.stop();
    rmSync(redisDir, { recursive: true, force: true });
  }
  const loadNote = `_Load average (1 min) as each bench started, in order: ${loads.join(', ')}._\n`;
  const text = `${sections.join('\n')}\n${loadNote}`;
  process.stdout.write(`${text}\n`);
  writeFileSync('bench/results.md', text);
  if (checking() && report(ratios) > 0) process.exitCode = 1;
}

await main();
