import {
  type Block,
  context,
  header,
  type Message,
  message,
  section,
  sectionsOf,
  truncate,
} from '../platform/blocks.js';
import { clip, code, date, join, type Mrkdwn, md } from '../platform/mrkdwn.js';
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

/** `:rocket: 1.4.2 → production`, with its outcome unless it succeeded; `rollback` for rollbacks. */
function deployText(service: ServiceStatus, withTime: boolean): Mrkdwn | undefined {
  const last = service.lastDeploy;
  if (!last) return undefined;
  const kind = last.kind === 'rollback' ? 'rollback to ' : '';
  const outcome = last.status === 'succeeded' ? '' : ` (${last.status})`;
  const at = withTime ? md` ${date(last.at)}` : '';
  return md`:rocket: ${kind}${truncate(last.version, 40)} → ${last.environment}${outcome}${at}`;
}

function incidentsText(service: ServiceStatus): string | undefined {
  const open = service.openIncidents;
  return open ? `:fire: ${open} open incident${open === 1 ? '' : 's'}` : undefined;
}

/** The parts of a line that are there, joined with ` · `. */
function parts(...pieces: Array<Mrkdwn | string | undefined>): Mrkdwn {
  return join(
    pieces.filter((piece): piece is Mrkdwn | string => piece !== undefined && piece !== ''),
    ' · ',
  );
}

function serviceLine(service: ServiceStatus): Mrkdwn {
  const health = healthOf(service);
  const name = md`${ICON[health]} *${service.name}* — ${LABEL[health]}`;
  const failing = service.checks
    .filter((check) => check.result && !check.result.ok)
    .map((check) => md`${check.name}: ${truncate(check.result!.summary, 80)}`);
  return clip(parts(name, figures(service), incidentsText(service), ...failing, deployText(service, false)), 400);
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
    return message(md`No services in ops.yml.`, [section(md`No services are declared in \`ops.yml\`.`)]);
  }
  const ordered = byUrgency(services);
  const summary = counts(services);
  const lines = sectionsOf(ordered.map(serviceLine));
  const room = MAX_BLOCKS - 3;
  const blocks: Block[] = [header(title), section(md`${summary}`), ...lines.slice(0, room)];
  if (lines.length > room) {
    const shown = lines
      .slice(0, room)
      .reduce((n, block) => n + String((block.text as { text: string }).text).split('\n').length, 0);
    blocks.push(context(md`…and ${ordered.length - shown} more services.`));
  }
  const done = ordered.every((service) => healthOf(service) !== 'checking');
  return message(md`${title}${done ? '' : ' (checking…)'}: ${summary.replace(/:[a-z_]+: /g, '')}`, blocks);
}

/** `/ops status <service>`: each check with its latest result and a sparkline of its recent latency and results. */
export function detailMessage(
  service: ServiceStatus,
  histories: ReadonlyMap<string, readonly StoredResult[]>,
): Message {
  const health = healthOf(service);
  const blocks: Block[] = [header(`${service.name} — ${LABEL[health]}`)];
  if (service.checks.length === 0) blocks.push(section(md`This service declares no checks in \`ops.yml\`.`));
  for (const check of service.checks.slice(0, MAX_BLOCKS - 2)) {
    const result = check.result;
    const icon = !result ? ICON.checking : result.ok ? ':white_check_mark:' : ':x:';
    const now = result ? result.summary : 'checking…';
    const history = histories.get(check.name) ?? [];
    const trend =
      history.length > 0
        ? md`\n${code(sparkline(history.filter((r) => !r.circuitOpen).map((r) => r.latencyMs)))} latency   ${code(resultline(history))} last ${history.length}`
        : '';
    blocks.push(section(md`${icon} *${check.name}* (${check.type}) — ${now}${trend}`));
  }
  const footer = parts(figures(service), incidentsText(service), deployText(service, true));
  if (footer.text !== '') blocks.push(context(footer));
  const flags = (service.flagChanges ?? []).map(
    (c) => md`:triangular_flag_on_post: flag ${code(c.flag)} ${truncate(c.change, 120)} ${date(c.at)}`,
  );
  if (flags.length > 0) blocks.push(context(...flags));
  return message(md`${service.name}: ${LABEL[health]}`, blocks);
}

/** `/ops status <name>` for a name not in ops.yml: what was meant, and every service there is. */
export function unknownServiceMessage(name: string, known: readonly string[], meant?: string): Message {
  const hint = meant ? md` Did you mean ${code(meant)}?` : '';
  const list = known.length > 0 ? join(known.map(code), ', ') : md`none are declared in \`ops.yml\``;
  return message(md`No service ${name}.${hint}`, [
    section(md`No service ${code(name)}.${hint}\nKnown services: ${list}`),
  ]);
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
            join(
              [
                md`*SLO budgets left*`,
                ...budgets
                  .slice(0, HOME_SLOS)
                  .map(
                    (b) =>
                      md`${b.ok ? ':large_green_circle:' : ':red_circle:'} ${code(b.name)} — ${percentLeft(b.left)}`,
                  ),
                ...(budgets.length > HOME_SLOS ? [md`…and ${budgets.length - HOME_SLOS} more`] : []),
              ],
              md`\n`,
            ),
          ),
        ];
  const room = HOME_BLOCKS - slo.length;
  const fitted = health.length > room ? [...health.slice(0, room - 1), context(md`…more in \`/ops status\`.`)] : health;
  return [...fitted, ...slo];
}
