import type { ApprovalRequest } from '../approvals/approvals.js';
import { clickLines, waitingFor } from '../approvals/messages.js';
import {
  type Block,
  button,
  context,
  header,
  type Message,
  message,
  plainText,
  section,
  sectionsOf,
} from '../platform/blocks.js';
import { code, date, join, type Mrkdwn, md, mention, verbatim } from '../platform/mrkdwn.js';
import {
  describeOperation,
  type EnvironmentState,
  type FlagDefinition,
  type FlagOperation,
  summarize,
} from './rules.js';
import type { FlagChange } from './store.js';

/** Action ids of the flags capability's buttons and selects. */
export const ACTIONS = {
  toggle: 'flags_toggle',
  rollout: 'flags_rollout',
} as const;

/** The rollout select's choices on the card. */
export const ROLLOUT_CHOICES = [0, 1, 5, 10, 25, 50, 100] as const;

/** A time in the reader's zone. */
const time = (at: number) => date(at);

/** What a card button carries: the flag and the environment. */
export function cardValue(key: string, environment: string, extra?: string): string {
  return [key, environment, ...(extra === undefined ? [] : [extra])].join(' ');
}

export function parseCardValue(
  value: string | undefined,
): { key: string; environment: string; extra?: string } | undefined {
  const [key, environment, extra] = (value ?? '').split(' ');
  return key && environment ? { key, environment, extra } : undefined;
}

/**
 * The flag card: each environment's state, a Turn on / Turn off button and a rollout select per environment.
 * `pending` names environments with a change awaiting approval.
 */
export function flagCard(
  definition: FlagDefinition,
  states: Record<string, EnvironmentState | undefined>,
  options: { approvalEnvironments: readonly string[]; note?: string } = { approvalEnvironments: [] },
): Message {
  const blocks: Block[] = [
    header(`Flag ${definition.key}`),
    section(
      md`${verbatim(definition.description)}\n_${definition.type}_ · owner ${mention(definition.owner)} · created ${time(definition.createdAt)}`,
    ),
  ];
  if (definition.archivedAt !== undefined) blocks.push(context(md`Archived ${time(definition.archivedAt)}.`));
  for (const [environment, state] of Object.entries(states)) {
    const gated = options.approvalEnvironments.includes(environment) ? ' · _changes need approval_' : '';
    const targets =
      state && state.targets.length > 0
        ? md`\nTargets: ${join(state.targets.slice(0, 20).map(code), ', ')}${state.targets.length > 20 ? ' …' : ''}`
        : '';
    blocks.push(section(md`*${environment}*: ${summarize(state)}${gated}${targets}`));
    if (definition.archivedAt !== undefined) continue;
    const on = state?.enabled === true;
    blocks.push({
      type: 'actions',
      block_id: `flag-env-${environment}`,
      elements: [
        button(
          ACTIONS.toggle,
          on ? 'Turn off' : 'Turn on',
          cardValue(definition.key, environment, on ? 'off' : 'on'),
          on ? 'danger' : 'primary',
        ),
        {
          type: 'static_select',
          action_id: ACTIONS.rollout,
          placeholder: plainText('Rollout'),
          ...(state?.enabled && ROLLOUT_CHOICES.includes(state.rollout as never)
            ? { initial_option: rolloutOption(definition.key, environment, state.rollout) }
            : {}),
          options: ROLLOUT_CHOICES.map((percent) => rolloutOption(definition.key, environment, percent)),
        },
      ],
    });
  }
  if (options.note) blocks.push(context(md`${options.note}`));
  const text = md`Flag ${definition.key}: ${Object.entries(states)
    .map(([env, state]) => `${env} ${summarize(state)}`)
    .join(', ')}`;
  return message(text, blocks.slice(0, 50));
}

function rolloutOption(key: string, environment: string, percent: number) {
  return { text: plainText(`${percent}%`), value: cardValue(key, environment, String(percent)) };
}

/** The list: one line per flag, its state in each environment. */
export function listMessage(
  rows: ReadonlyArray<{ definition: FlagDefinition; states: Record<string, EnvironmentState | undefined> }>,
  title: string,
): Message {
  if (rows.length === 0) return message(md`${title}: none`, [section(md`*${title}*: none.`)]);
  const lines = rows.map(
    ({ definition, states }) =>
      md`${code(definition.key)} — ${Object.entries(states)
        .map(([env, state]) => `${env}: ${summarize(state)}`)
        .join(' · ')}\n      ${verbatim(definition.description)}`,
  );
  return message(md`${title}: ${rows.length}`, [section(md`*${title}*`), ...sectionsOf(lines)].slice(0, 50));
}

export function historyMessage(key: string, changes: readonly FlagChange[]): Message {
  if (changes.length === 0)
    return message(md`No changes of ${key}`, [section(md`No changes of ${code(key)} recorded.`)]);
  const lines = changes.map((c: FlagChange) => {
    const where = c.environment ? md` in *${c.environment}*` : '';
    const diff = c.before !== undefined ? ` (${c.before} → ${c.after})` : '';
    const approved = c.approval ? md`, approved by ${mention(c.approval.approvedBy)}` : '';
    const reason = c.reason ? md` — ${verbatim(c.reason)}` : '';
    return md`${time(c.at)} — ${verbatim(c.what)}${where}${diff} by ${mention(c.by)}${approved}${reason}`;
  });
  return message(md`History of ${key}`, [section(md`*History of ${code(key)}*`), ...sectionsOf(lines)].slice(0, 50));
}

/** A change waiting for approval, in the channel where it was asked. */
export function approvalMessage(
  request: { key: string; environment: string; operation: FlagOperation; requester: string },
  approval: ApprovalRequest,
  buttons: Block,
  outcome?: Mrkdwn,
): Message {
  const what = md`${mention(request.requester)} asks to *${describeOperation(request.operation, 'asked')}* flag ${code(request.key)} in *${request.environment}*`;
  const status =
    approval.status === 'pending' ? waitingFor(approval) : (outcome ?? md`This request was ${approval.status}.`);
  return message(
    md`Flag change: ${describeOperation(request.operation, 'asked')} ${request.key} in ${request.environment} (${approval.status})`,
    [
      section(what),
      context(status),
      ...(approval.status === 'pending' ? [buttons] : []),
      ...clickLines(approval.clicks),
    ],
  );
}

/** The Home tab's section: counts per environment. */
export function flagsHome(
  environments: readonly string[],
  rows: ReadonlyArray<{ definition: FlagDefinition; states: Record<string, EnvironmentState | undefined> }>,
): Block[] {
  if (rows.length === 0) return [section(md`No flags yet: ${code('/ops flag create <key> <description…>')}.`)];
  const line = (env: string) => {
    const on = rows.filter((row) => row.states[env]?.enabled).length;
    const partial = rows.filter((row) => row.states[env]?.enabled && row.states[env]!.rollout < 100).length;
    return md`*${env}*: ${on} of ${rows.length} on${partial > 0 ? `, ${partial} partly rolled out` : ''}`;
  };
  return [section(join(environments.map(line), md`\n`))];
}
