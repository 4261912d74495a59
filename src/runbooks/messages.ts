/**
 * Block Kit for runbooks and experiments, pure: the progress message (edited in place), the output replies in its
 * thread, the list, the dry run and the parameters modal. Every value that came from a person (parameters, output) is
 * escaped, so it can never become a mention or a link.
 */
import type { ApprovalRequest } from '../approvals/approvals.js';
import { gateActionIds } from '../approvals/gate.js';
import { approvalButtons, clickLines, waitingFor } from '../approvals/messages.js';
import { formatDuration } from '../config/duration.js';
import { describeSwitch } from '../flags/api.js';
import {
  type Block,
  button,
  context,
  type Message,
  message,
  plainText,
  section,
  sectionsOf,
  textMessage,
  truncate,
} from '../platform/blocks.js';
import { code as codeOf, join, type Mrkdwn, md, mention } from '../platform/mrkdwn.js';
import type { Parameter, Runbook } from './config.js';
import { experimentOutcome } from './rules.js';
import { isFinal, type PlannedStep, type Run, type StepAction, type StepState } from './run.js';

/** The approval gate: its buttons are `runbook_approve` / `runbook_reject`, the platform's router actions. */
export const APPROVAL_GATE = 'runbook';

export const ACTIONS = {
  cancel: 'runbook_cancel',
  retry: 'runbook_retry',
  skip: 'runbook_skip',
  abort: 'runbook_abort',
  /** On alert messages: starts the runbook the group names. */
  fromAlert: 'runbook_run_from_alert',
} as const;

export const PARAMS_VIEW = 'runbook_params';

const ICON: Record<StepState['status'], string> = {
  unused: ':white_small_square:',
  pending: ':white_circle:',
  running: ':arrows_counterclockwise:',
  waiting: ':hourglass_flowing_sand:',
  done: ':white_check_mark:',
  failed: ':x:',
  skipped: ':fast_forward:',
  cancelled: ':no_entry_sign:',
  interrupted: ':warning:',
};

const WORD: Record<StepState['status'], string> = {
  unused: 'not needed',
  pending: 'waiting',
  running: 'running',
  waiting: 'waiting for approval',
  done: 'done',
  failed: 'failed',
  skipped: 'skipped',
  cancelled: 'cancelled',
  interrupted: 'interrupted: a worker stopped while it ran',
};

/** What a step does, in one escaped line: the argv after substitution, the URL, the gate. */
export function describeAction(action: StepAction): Mrkdwn {
  const code = (text: string) => codeOf(truncate(text, 300));
  switch (action.kind) {
    case 'run':
      return md`run ${code(JSON.stringify(action.argv))}`;
    case 'http':
      return md`${action.method} ${code(action.url)}${action.body !== undefined ? md` with ${code(action.body)}` : ''}`;
    case 'check':
      return md`check ${code(action.check)}`;
    case 'wait':
      return md`wait ${formatDuration(action.ms)}`;
    case 'approve':
      return md`approval from *${action.from}*${action.count > 1 ? ` ×${action.count}` : ''}`;
    case 'say':
      return md`say “${truncate(action.text, 300)}”`;
    case 'flag':
      return md`flag ${code(action.key)}: ${describeSwitch(action.change)} in ${action.environment}`;
    case 'activity': {
      const p = action.provider;
      const what = p.type === 'process' ? code(JSON.stringify(p.argv)) : md`${p.method} ${code(p.url)}`;
      const tolerance =
        action.tolerance !== undefined ? md` (tolerance ${code(JSON.stringify(action.tolerance))})` : '';
      return md`${action.activity} ${what}${tolerance}`;
    }
  }
}

function durationOf(state: StepState): string {
  if (state.startedAt === undefined || state.finishedAt === undefined) return '';
  return ` in ${formatDuration(Math.max(0, state.finishedAt - state.startedAt))}`;
}

function stepLine(step: PlannedStep, state: StepState): Mrkdwn {
  const by = state.by ? md` ${mention(state.by)}` : '';
  const detail = state.detail ? md` — ${truncate(state.detail, 400)}${by}` : '';
  const value = state.value !== undefined ? md`\n      value: ${codeOf(truncate(state.value, 200))}` : '';
  const retry = state.attempt > 0 ? ` (attempt ${state.attempt + 1})` : '';
  return md`${ICON[state.status]} *${step.name}* ${WORD[state.status]}${durationOf(state)}${retry}${detail}${value}`;
}

/** A surface's answer once its start job is queued: the run has no id yet, the worker gives it one. */
export const startingMessage = (label: string, where: string): Message =>
  textMessage(md`Starting ${label}…: its progress will be ${where}.`);

export const runLabel = (run: Pick<Run, 'kind' | 'name' | 'service' | 'id'>): string =>
  `${run.kind === 'experiment' ? 'Experiment' : 'Runbook'} ${run.name}${run.service ? ` on ${run.service}` : ''} #${run.id}`;

const STATUS_WORD: Record<Run['status'], string> = {
  running: 'running',
  waiting: 'waiting for approval',
  'needs-human': 'interrupted — waiting for a human',
  succeeded: 'succeeded',
  failed: 'failed',
  cancelled: 'cancelled',
  rejected: 'rejected',
};

const VERDICT: Record<string, string> = {
  completed: ':white_check_mark: The steady-state hypothesis held before and after the method.',
  deviated: ':x: The hypothesis did *not* hold after the method (deviated).',
  failed: ':x: The hypothesis did *not* hold before the method, which did not run.',
  aborted: ':octagonal_sign: The method was aborted (a guard check or an activity failed).',
  cancelled: ':no_entry_sign: Cancelled.',
};

/** The progress message: each step with its state and duration, and the buttons that apply now. */
export function progressMessage(run: Run, gate?: { index: number; request: ApprovalRequest }): Message {
  const status = STATUS_WORD[run.status];
  const text = md`${runLabel(run)}: ${status}`;
  const who = run.auto ? 'started by an alert' : md`asked by ${mention(run.requester)}`;
  const params = join(
    Object.entries(run.params).map(([k, v]) => md`${k}=${codeOf(v)}`),
    ' ',
  );
  const cancelled = run.cancelledBy ? md` · cancelled by ${mention(run.cancelledBy)}` : '';
  const blocks: Block[] = [
    section(md`*${runLabel(run)}*: ${status}`),
    context(md`${who}${params.text ? md` · ${params}` : ''}${cancelled}`),
    ...sectionsOf(
      run.steps
        .map((step, i) => ({ step, state: run.state[i]! }))
        .filter(({ state }) => state.status !== 'unused')
        .map(({ step, state }) => stepLine(step, state)),
    ),
  ];
  if (run.kind === 'experiment' && isFinal(run.status)) blocks.push(section(md`${VERDICT[experimentOutcome(run)]!}`));
  if (gate) {
    blocks.push(context(waitingFor(gate.request)), ...clickLines(gate.request.clicks));
  }
  if (gate && gate.request.status === 'pending')
    blocks.push(approvalButtons(gateActionIds(APPROVAL_GATE), gate.request.id));
  const buttons: Record<string, unknown>[] = [];
  const at = (index: number) => `${run.id}:${index}`;
  const interrupted = run.state.findIndex((s) => s.status === 'interrupted');
  if (run.status === 'needs-human' && interrupted !== -1) {
    buttons.push(
      button(ACTIONS.retry, 'Retry', at(interrupted), 'primary'),
      button(ACTIONS.skip, 'Skip', at(interrupted)),
      button(ACTIONS.abort, 'Abort', at(interrupted), 'danger'),
    );
  }
  if (!isFinal(run.status) && !run.cancelledBy) buttons.push(button(ACTIONS.cancel, 'Cancel', run.id, 'danger'));
  if (buttons.length > 0) blocks.push({ type: 'actions', block_id: `runbook-${run.id}`, elements: buttons });
  return message(text, blocks);
}

/** A step's output tail, a reply in the progress message's thread. */
export function outputMessage(run: Run, index: number, tail: string, done: boolean): Message {
  const name = run.steps[index]!.name;
  const text = md`Output of ${name}${done ? '' : ' (running)'}`;
  const body = tail.trim()
    ? md`\`\`\`${truncate(tail.slice(-2800), 2800).replace(/```/g, "'''")}\`\`\``
    : md`_(no output)_`;
  return message(text, [section(md`*${text}*\n${body}`)]);
}

/** `/ops runbooks`: each runbook with its description, parameters, steps and who may run it. */
export function listMessage(
  entries: Array<{ name: string; runbook: Runbook; services: string[] }>,
  search: string,
): Message {
  if (entries.length === 0) {
    const text = search ? md`No runbook matches “${search}”.` : md`No runbooks in ops.yml.`;
    return textMessage(text);
  }
  const lines = entries.slice(0, 40).map(({ name, runbook, services }) => {
    const params = runbook.parameters.map((p) =>
      p.default === undefined ? `${p.name}=…` : `[${p.name}=${p.default}]`,
    );
    const gate = runbook.approval ? md` · approval from *${runbook.approval.from}*` : '';
    const where = services.length > 0 ? ` · for ${services.join(', ')}` : '';
    const usage = codeOf(`/ops run ${name}${params.length ? ` ${params.join(' ')}` : ''}`);
    return md`*${name}*${runbook.description ? md` — ${runbook.description}` : ''}\n      ${usage} · steps: ${runbook.steps.map((s) => s.name).join(' → ')} · who: ${runbook.allow.join(', ')}${gate}${where}${runbook.auto ? ' · starts from alerts' : ''}`;
  });
  const text = md`${entries.length} runbook${entries.length === 1 ? '' : 's'}`;
  return message(text, [section(md`*Runbooks*${search ? md` matching “${search}”` : ''}`), ...sectionsOf(lines)]);
}

/** `… dry-run`: what would run, step by step, and nothing runs. */
export function dryRunMessage(label: string, steps: readonly PlannedStep[]): Message {
  const lines = steps.map((step, i) => {
    const when =
      step.section === 'recovery'
        ? ' _(only if a step’s onFailure names it)_'
        : step.section === 'always'
          ? ' _(always)_'
          : '';
    return md`${i + 1}. *${step.name}*: ${describeAction(step.action)}${md`${when}`}`;
  });
  return message(md`Dry run of ${label}: nothing was run.`, [
    section(md`*Dry run* of ${label} — nothing was run:`),
    ...sectionsOf(lines),
  ]);
}

/** The modal asking for parameters the command left out. */
export function paramsModal(runbook: string, missing: readonly Parameter[], metadata: string): Record<string, unknown> {
  return {
    type: 'modal',
    callback_id: PARAMS_VIEW,
    private_metadata: metadata,
    title: plainText(truncate(`Run ${runbook}`, 24)),
    submit: plainText('Run'),
    close: plainText('Cancel'),
    blocks: missing.slice(0, 20).map((param) => ({
      type: 'input',
      block_id: `param_${param.name}`,
      label: plainText(truncate(param.name, 2000)),
      ...(param.description && { hint: plainText(truncate(param.description, 2000)) }),
      element: param.choices
        ? {
            type: 'static_select',
            action_id: 'value',
            options: param.choices.slice(0, 100).map((c) => ({ text: plainText(truncate(c, 75)), value: c })),
          }
        : { type: 'plain_text_input', action_id: 'value', max_length: 256 },
    })),
  };
}

/** The Home tab's section: how many runbooks (and how many alerts start on their own), and runs going on now. */
export function homeSection(open: readonly Run[], count: number, auto = 0): Block[] {
  const lines = open
    .slice(0, 10)
    .map((run) => md`• *${runLabel(run)}*: ${STATUS_WORD[run.status]}${run.auto ? ' (started by an alert)' : ''}`);
  const fromAlerts = auto > 0 ? ` (${auto} started by the alerts that name ${auto === 1 ? 'it' : 'them'})` : '';
  return [
    section(
      md`*Runbooks* — ${count} in ops.yml${fromAlerts}; ${codeOf('/ops runbooks')} lists them, ${codeOf('/ops run <runbook>')} starts one.`,
    ),
    ...(lines.length > 0 ? sectionsOf(lines) : [context(md`No run in progress.`)]),
  ];
}
