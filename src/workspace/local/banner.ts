/** What the banner shows: where to click first, then where everything else runs. */
export interface BannerInput {
  workspaceUrl: string;
  opsdeckUrl: string;
  redis: string;
  demoServiceUrl?: string;
  /** The page has a Demo panel: the banner says it is there and what it does. */
  demoPanel?: boolean;
}

const DEMO_LINE = 'the Demo panel on the page: break, heal or slow the demo API, send alerts, run the runbook';

/**
 * The lines `npm start` prints once everything is up, so the one URL a person needs stands out from the log lines
 * around it. Plain text (no colour codes): it reads the same in a terminal, a pipe and a CI log.
 */
export function banner(input: BannerInput): string {
  const rows: Array<[string, string]> = [
    ['Opsdeck', input.opsdeckUrl],
    ['Redis', input.redis],
    ...(input.demoServiceUrl ? [['Demo service', input.demoServiceUrl] as [string, string]] : []),
    ...(input.demoPanel ? [['Demo', DEMO_LINE] as [string, string]] : []),
    ['Tour', 'README.md, "Ten-minute tour"'],
    ['Stop', 'Ctrl+C'],
  ];
  const open = `  Open ${input.workspaceUrl} in a browser`;
  const width = Math.max(open.length + 2, ...rows.map(([, value]) => value.length + 18));
  const rule = '─'.repeat(width);
  return [
    '',
    rule,
    '  Opsdeck local workspace is ready',
    '',
    open,
    '',
    ...rows.map(([label, value]) => `  ${label.padEnd(14)}${value}`),
    rule,
    '',
    '',
  ].join('\n');
}
