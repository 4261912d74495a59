import {
  type Block,
  context,
  escapeMrkdwn,
  header,
  type Message,
  section,
  sectionsOf,
  truncate,
} from '../platform/blocks.js';
import {
  byUrgency,
  type Health,
  healthOf,
  resultline,
  type ServiceStatus,
  type StoredResult,
  sparkline,
} from './rules.js';

/** Slack's limit on blocks in a message (slack-platform.md). */
const MAX_BLOCKS = 50;

const ICON: Record<Health, string> = {
  healthy: ':large_green_circle:',
  degraded: ':large_yellow_circle:',
  down: ':red_circle:',
  checking: ':hourglass_flowing_sand:',
  unchecked: ':white_circle:',
};

const LABEL: Record<Health, string> = {
  healthy: 'healthy',
  degraded: 'degraded',
  down: 'down',
  checking: 'checking…',
  unchecked: 'no checks',
};

/** `80%`, from a fraction; a spent budget shows as 0% or below. */
function percentLeft(fraction: number): string {
  return `${Math.round(fraction * 100)}%`;
}

/** Slowest latency and smallest SLO budget left of the checks that ran. */
function figures(service: ServiceStatus): string {
  const results = service.checks.flatMap((check) => (check.result && !check.result.circuitOpen ? [check.result] : []));
  const parts: string[] = [];
  if (results.length > 0) parts.push(`${Math.max(...results.map((r) => r.latencyMs))} ms`);
  const budgets = results.flatMap((r) => (r.budgetRemaining === undefined ? [] : [r.budgetRemaining]));
  if (budgets.length > 0) parts.push(`budget ${percentLeft(Math.min(...budgets))}`);
  return parts.join(' · ');
}

/** `<!date^…>` shows a time in the reader's own time zone. */
function when(ms: number): string {
  return `<!date^${Math.floor(ms / 1000)}^{date_short_pretty} {time}|${new Date(ms).toISOString()}>`;
}

/** `:rocket: 1.4.2 → production`, with its outcome unless it succeeded; `rollback` for rollbacks. */
function deployText(service: ServiceStatus, withTime: boolean): string | undefined {
  const last = service.lastDeploy;
  if (!last) return undefined;
  const kind = last.kind === 'rollback' ? 'rollback to ' : '';
  const outcome = last.status === 'succeeded' ? '' : ` (${last.status})`;
  const at = withTime ? ` ${when(last.at)}` : '';
  return `:rocket: ${kind}${escapeMrkdwn(truncate(last.version, 40))} → ${escapeMrkdwn(last.environment)}${outcome}${at}`;
}

function incidentsText(service: ServiceStatus): string | undefined {
  const open = service.openIncidents;
  return open ? `:fire: ${open} open incident${open === 1 ? '' : 's'}` : undefined;
}

function serviceLine(service: ServiceStatus): string {
  const health = healthOf(service);
  const name = `${ICON[health]} *${escapeMrkdwn(service.name)}* — ${LABEL[health]}`;
  const shown = figures(service);
  const failing = service.checks
    .filter((check) => check.result && !check.result.ok)
    .map((check) => `${escapeMrkdwn(check.name)}: ${escapeMrkdwn(truncate(check.result!.summary, 80))}`);
  return truncate(
    [name, shown, incidentsText(service), ...failing, deployText(service, false)].filter(Boolean).join(' · '),
    400,
  );
}

/** The counts line: how many services are in each state. */
function counts(services: readonly ServiceStatus[]): string {
  const tally = new Map<Health, number>();
  for (const service of services) tally.set(healthOf(service), (tally.get(healthOf(service)) ?? 0) + 1);
  return (['down', 'degraded', 'checking', 'unchecked', 'healthy'] as const)
    .filter((health) => tally.has(health))
    .map((health) => `${ICON[health]} ${tally.get(health)} ${LABEL[health]}`)
    .join('   ');
}

/**
 * `/ops status`: counts first, then every service, what needs attention before what is healthy. However many services,
 * it stays within Slack's 50 blocks and 3,000 characters a section; what does not fit is counted at the end.
 */
export function overviewMessage(services: readonly ServiceStatus[], title = 'Service status'): Message {
  if (services.length === 0) {
    return { text: 'No services in ops.yml.', blocks: [section('No services are declared in `ops.yml`.')] };
  }
  const ordered = byUrgency(services);
  const summary = counts(services);
  const lines = sectionsOf(ordered.map(serviceLine));
  const room = MAX_BLOCKS - 3;
  const blocks: Block[] = [header(title), section(summary), ...lines.slice(0, room)];
  if (lines.length > room) {
    const shown = lines
      .slice(0, room)
      .reduce((n, block) => n + String((block.text as { text: string }).text).split('\n').length, 0);
    blocks.push(context(`…and ${ordered.length - shown} more services.`));
  }
  const done = ordered.every((service) => healthOf(service) !== 'checking');
  return { text: `${title}${done ? '' : ' (checking…)'}: ${summary.replace(/:[a-z_]+: /g, '')}`, blocks };
}

/** `/ops status <service>`: each check with its latest result and a sparkline of its recent latency and results. */
export function detailMessage(
  service: ServiceStatus,
  histories: ReadonlyMap<string, readonly StoredResult[]>,
): Message {
  const health = healthOf(service);
  const blocks: Block[] = [header(`${service.name} — ${LABEL[health]}`)];
  if (service.checks.length === 0) blocks.push(section('This service declares no checks in `ops.yml`.'));
  for (const check of service.checks.slice(0, MAX_BLOCKS - 2)) {
    const result = check.result;
    const icon = !result ? ICON.checking : result.ok ? ':white_check_mark:' : ':x:';
    const now = result ? escapeMrkdwn(result.summary) : 'checking…';
    const history = histories.get(check.name) ?? [];
    const trend =
      history.length > 0
        ? `\n\`${sparkline(history.filter((r) => !r.circuitOpen).map((r) => r.latencyMs))}\` latency   \`${resultline(history)}\` last ${history.length}`
        : '';
    blocks.push(section(`${icon} *${escapeMrkdwn(check.name)}* (${check.type}) — ${now}${trend}`));
  }
  const footer = [figures(service), incidentsText(service), deployText(service, true)].filter((part): part is string =>
    Boolean(part),
  );
  if (footer.length > 0) blocks.push(context(footer.join(' · ')));
  const flags = (service.flagChanges ?? []).map(
    (c) =>
      `:triangular_flag_on_post: flag \`${escapeMrkdwn(c.flag)}\` ${escapeMrkdwn(truncate(c.change, 120))} ${when(c.at)}`,
  );
  if (flags.length > 0) blocks.push(context(...flags));
  return { text: `${service.name}: ${LABEL[health]}`, blocks };
}

/** `/ops status <name>` for a name not in ops.yml: what was meant, and every service there is. */
export function unknownServiceMessage(name: string, known: readonly string[], meant?: string): Message {
  const hint = meant ? ` Did you mean \`${meant}\`?` : '';
  const list = known.length > 0 ? known.map((s) => `\`${s}\``).join(', ') : 'none are declared in `ops.yml`';
  return {
    text: `No service ${name}.${hint}`,
    blocks: [section(truncate(`No service \`${escapeMrkdwn(name)}\`.${hint}\nKnown services: ${list}`, 3000))],
  };
}

/** Blocks the status section may take on Home, whose 100 blocks every capability shares. */
const HOME_BLOCKS = 20;
/** SLO budgets listed on Home, smallest first. */
const HOME_SLOS = 10;

/**
 * The Home tab's section: service health from each check's last result (counts first, what is not healthy first),
 * then the SLO budgets left, smallest first. Checks that never ran are left out while their service has others that
 * did, so an on-demand check nobody asked for does not keep a service "checking…" forever.
 */
export function homeSection(services: readonly ServiceStatus[]): Block[] {
  const shown = services.map((service) => {
    const ran = service.checks.filter((check) => check.result !== undefined);
    return ran.length > 0 ? { ...service, checks: ran } : service;
  });
  const health = overviewMessage(shown, 'Service health').blocks;
  const budgets = services
    .flatMap((service) =>
      service.checks.flatMap((check) =>
        check.type === 'slo' && check.result?.budgetRemaining !== undefined
          ? [{ name: `${service.name}.${check.name}`, left: check.result.budgetRemaining, ok: check.result.ok }]
          : [],
      ),
    )
    .sort((a, b) => a.left - b.left);
  const slo: Block[] =
    budgets.length === 0
      ? []
      : [
          section(
            truncate(
              [
                '*SLO budgets left*',
                ...budgets
                  .slice(0, HOME_SLOS)
                  .map(
                    (b) =>
                      `${b.ok ? ':large_green_circle:' : ':red_circle:'} \`${escapeMrkdwn(b.name)}\` — ${percentLeft(b.left)}`,
                  ),
                ...(budgets.length > HOME_SLOS ? [`…and ${budgets.length - HOME_SLOS} more`] : []),
              ].join('\n'),
              3000,
            ),
          ),
        ];
  const room = HOME_BLOCKS - slo.length;
  const fitted = health.length > room ? [...health.slice(0, room - 1), context('…more in `/ops status`.')] : health;
  return [...fitted, ...slo];
}
