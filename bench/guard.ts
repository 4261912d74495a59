/**
 * The regression guard (issue #21): `npm run bench -- --check` (or `tsx bench/<name>.ts --check` for one bench)
 * compares each bench's ratios with its target and exits non-zero when one is missed. Only ratios measured in the same
 * run (and counts, and idle RSS, which load does not move) are compared, never absolute times: on a shared machine an
 * absolute time says more about the neighbours than about Opsdeck. Not part of `npm test`.
 */
import type { AckFigures } from './acks.js';
import type { AlertStormFigures } from './alerts.js';
import type { DeliveryFigures } from './delivery.js';
import type { DeployFigures } from './deploys.js';
import type { FlagRow } from './flags.js';
import type { RunbookFigures } from './runbooks.js';
import type { StatusFigures } from './status.js';
import type { WorkspaceFigures } from './workspace.js';

/** The ack bench's targets by name (bench/acks.ts names its rows with these). */
export const BARE_BOLT = 'bare Bolt';
export const OPSDECK_BOT = 'opsdeck ROLE=bot';
export const OPSDECK_ALL = 'opsdeck ROLE=all';

export interface Ratio {
  /** The path and figure, as the results name them. */
  name: string;
  measured: number;
  /** The bound the figure must stay at or below (`max`) or at or above (`min`). */
  bound: 'max' | 'min';
  target: number;
  /** Where the target comes from. */
  issue: string;
}

const max = (name: string, measured: number, target: number, issue: string): Ratio => ({
  name,
  measured,
  bound: 'max',
  target,
  issue,
});
const min = (name: string, measured: number, target: number, issue: string): Ratio => ({
  name,
  measured,
  bound: 'min',
  target,
  issue,
});

export function ackRatios(f: AckFigures): Ratio[] {
  const bolt = (c: number) => f.rows.find((r) => r.target === BARE_BOLT && r.connections === c);
  return f.rows
    .filter((r) => r.target === OPSDECK_BOT || r.target === OPSDECK_ALL)
    .flatMap((r) => {
      const base = bolt(r.connections);
      if (!base) return [];
      return [
        min(`ack ${r.target} req/s vs bare Bolt, ${r.connections} conns`, r.rps / base.rps, 0.95, '#21'),
        max(`ack ${r.target} p99 vs bare Bolt, ${r.connections} conns`, r.p99 / base.p99, 1.1, '#21'),
        // Idle RSS is read once per start, so it is the same in every connections row: compared once.
        ...(r.connections === 10 ? [max(`ack ${r.target} idle RSS MB`, r.rssIdleMb, 110, '#21')] : []),
      ];
    });
}

export const statusRatios = (f: StatusFigures): Ratio[] => [
  max('/ops status message complete vs ideal', f.seconds / f.idealSeconds, 1.2, '#21'),
];

export const deployRatios = (f: DeployFigures): Ratio[] => [
  max('deploys approved at once vs ideal', f.seconds / f.idealSeconds, 1.2, '#21'),
  max('deploys: busy ack p99 vs idle', f.busyAck.p99 / Math.max(1, f.idleAck.p99), 1.5, '#21'),
  min('deploys succeeded (share)', f.succeeded / f.deploys, 1, '#11'),
];

export const deliveryRatios = (f: DeliveryFigures): Ratio[] => [
  max('outbox delivery vs pacing minimum', f.seconds / f.minimumSeconds, 1.15, '#7'),
  max('outbox delivery: 429s after the first second', f.lateRateLimited, 0, '#7'),
];

export const alertRatios = (f: AlertStormFigures): Ratio[] => [
  // NaN (not every group shown) fails the comparison below, as it should.
  max('alert storm vs minimum', f.opsdeck.seconds / f.minimumSeconds, 1.2, '#9'),
  min('alert storm groups shown (share)', f.opsdeck.delivered / f.groups, 1, '#9'),
];

export const runbookRatios = (f: RunbookFigures): Ratio[] => [
  // Against the bare loop, not the arithmetic ideal: eight programs started at once share a small machine's cores, so
  // no loop reaches the ideal (bench/results.md, "Runbooks: the yardstick").
  max('runbooks: last step vs bare loop', f.seconds / f.bareSeconds, 1.2, '#19'),
  min('runbooks succeeded (share)', f.succeeded / f.runs, 1, '#19'),
];

export function flagRatios(rows: FlagRow[]): Ratio[] {
  const single = (target: (name: string) => boolean, c: number) =>
    rows.find((r) => target(r.target) && r.what === 'single flag' && r.connections === c);
  return [10, 50].map((c) => {
    const floor = single((name) => name.startsWith('floor'), c);
    const opsdeck = single((name) => !name.startsWith('floor'), c);
    return min(`OFREP single flag req/s vs floor, ${c} conns`, (opsdeck?.rps ?? 0) / (floor?.rps ?? 1), 0.5, '#18');
  });
}

export const workspaceRatios = (f: WorkspaceFigures): Ratio[] => {
  const row = (mode: string) => f.rows.find((r) => r.mode === mode);
  const rate = (mode: string) => row(mode)?.messagesPerSecond ?? Number.NaN;
  const cpu = (mode: string) => row(mode)?.cpuMicrosPerMessage ?? Number.NaN;
  // Persisting the workspace (local mode) must not slow its hot path noticeably.
  return [
    min('workspace persisted messages/s vs in memory', rate('persisted') / rate('in memory'), 0.9, '#20'),
    max('workspace persisted CPU per message vs in memory', cpu('persisted') / cpu('in memory'), 1.15, '#20'),
  ];
};

const met = (r: Ratio) => (r.bound === 'max' ? r.measured <= r.target : r.measured >= r.target);

/** Prints each ratio against its target; returns how many were missed. */
export function report(
  ratios: readonly Ratio[],
  write: (line: string) => void = (l) => process.stderr.write(l),
): number {
  const missed = ratios.filter((r) => !met(r));
  for (const r of ratios) {
    const sign = r.bound === 'max' ? '≤' : '≥';
    write(
      `${met(r) ? 'ok  ' : 'MISS'} ${r.name}: ${Number.isFinite(r.measured) ? r.measured.toFixed(2) : String(r.measured)} (target ${sign} ${r.target}, ${r.issue})\n`,
    );
  }
  write(
    missed.length
      ? `bench --check: ${missed.length} of ${ratios.length} targets missed\n`
      : `bench --check: all ${ratios.length} targets met\n`,
  );
  return missed.length;
}

/** `--check` on the command line (`npm run bench -- --check`). */
export const checking = () => process.argv.includes('--check');
