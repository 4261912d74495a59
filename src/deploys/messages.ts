import type { ApprovalRequest } from '../approvals/approvals.js';
import { gateActionIds } from '../approvals/gate.js';
import { approvalButtons, clickLines, waitingFor } from '../approvals/messages.js';
import { formatDuration } from '../config/duration.js';
import { type Block, button, context, type Message, message, section, truncate } from '../platform/blocks.js';
import { code, date, join, link, type Mrkdwn, md, mention } from '../platform/mrkdwn.js';
import type { Deploy, DeployStatus } from './deploy.js';
import { type DoraFigures, doraLine } from './dora.js';

/** The approval gate deploys declare: its requests' ids are deploy ids. */
export const APPROVAL_GATE = 'deploy';

/** The buttons on a deploy's message; the value is the deploy id. */
export const ACTIONS = {
  ...gateActionIds(APPROVAL_GATE),
  cancel: 'deploy_cancel',
  rollback: 'deploy_rollback',
  retry: 'deploy_retry',
  markFailed: 'deploy_mark_failed',
} as const;

const ICON: Record<DeployStatus, string> = {
  'awaiting-approval': ':raised_hand:',
  approved: ':white_check_mark:',
  running: ':arrows_counterclockwise:',
  verifying: ':mag:',
  interrupted: ':warning:',
  succeeded: ':large_green_circle:',
  failed: ':red_circle:',
  cancelled: ':no_entry_sign:',
  rejected: ':no_entry:',
  expired: ':hourglass:',
};

/** A step's time, in the reader's zone. */
const time = (ms: number) => date(ms, '{time_secs}');
const took = (from: number | undefined, to: number | undefined) =>
  from !== undefined && to !== undefined
    ? ` (${formatDuration(Math.max(0, Math.round((to - from) / 1000)) * 1000 || 1000)})`
    : '';

/** `rollback of api to 1.4.1 in production` / `deploy of api 1.4.2 to production`. */
export function describeDeploy(deploy: Pick<Deploy, 'kind' | 'service' | 'version' | 'environment'>): string {
  return deploy.kind === 'rollback'
    ? `rollback of ${deploy.service} to ${deploy.version} in ${deploy.environment}`
    : `deploy of ${deploy.service} ${deploy.version} to ${deploy.environment}`;
}

/**
 * The deploy's message, posted in the channel where it was asked and edited at every step: requested → approved →
 * running → verifying → succeeded/failed, with who, when and how long; the approval's clicks; the buttons that fit.
 */
export function deployMessage(deploy: Deploy, approval?: ApprovalRequest): Message {
  const what = describeDeploy(deploy);
  const title = md`${ICON[deploy.status]} #${deploy.id} ${what.charAt(0).toUpperCase()}${what.slice(1)}: *${deploy.status}*`;
  const steps: Mrkdwn[] = [md`• requested by ${mention(deploy.requester)} at ${time(deploy.requestedAt)}`];
  if (deploy.override) {
    steps.push(md`• freeze overridden by ${mention(deploy.override.by)}: ${deploy.override.reason}`);
  }
  if (deploy.approvedAt !== undefined) {
    const who = deploy.approvedBy ? md`by ${mention(deploy.approvedBy)}` : '(no approval needed)';
    steps.push(md`• approved ${who} at ${time(deploy.approvedAt)}${took(deploy.requestedAt, deploy.approvedAt)}`);
  }
  if (deploy.startedAt !== undefined) {
    steps.push(
      md`• running since ${time(deploy.startedAt)}${took(deploy.startedAt, deploy.verifyingAt ?? deploy.finishedAt)}`,
    );
  }
  if (deploy.verifyingAt !== undefined) {
    steps.push(md`• verifying since ${time(deploy.verifyingAt)}${took(deploy.verifyingAt, deploy.finishedAt)}`);
  }
  if (deploy.finishedAt !== undefined) {
    const by = deploy.decidedBy ? md` by ${mention(deploy.decidedBy)}` : '';
    steps.push(
      md`• ${deploy.status}${by} at ${time(deploy.finishedAt)}${took(deploy.requestedAt, deploy.finishedAt)} in all`,
    );
  }
  if (deploy.status === 'interrupted') {
    steps.push(md`• the worker running it stopped mid-deploy: it was *not* run again. Choose what happens next.`);
  }
  const blocks: Block[] = [section(title), section(join(steps, md`\n`))];
  if (deploy.detail) blocks.push(context(md`${truncate(deploy.detail, 2000)}`));
  if (deploy.link) blocks.push(context(link(deploy.link, 'Follow the deploy')));
  if (approval) {
    if (deploy.status === 'awaiting-approval') blocks.push(context(waitingFor(approval)));
    blocks.push(...clickLines(approval.clicks));
  }
  const buttons = buttonsFor(deploy);
  if (deploy.status === 'awaiting-approval') blocks.push(approvalButtons(ACTIONS, deploy.id));
  else if (buttons.length > 0) blocks.push({ type: 'actions', block_id: `deploy-${deploy.id}`, elements: buttons });
  return message(md`#${deploy.id} ${what}: ${deploy.status}`, blocks);
}

function buttonsFor(deploy: Deploy): Record<string, unknown>[] {
  switch (deploy.status) {
    case 'running':
      return [button(ACTIONS.cancel, 'Cancel', deploy.id, 'danger')];
    case 'interrupted':
      return [
        button(ACTIONS.retry, 'Retry', deploy.id, 'primary'),
        button(ACTIONS.markFailed, 'Mark failed', deploy.id, 'danger'),
        button(ACTIONS.rollback, 'Rollback', deploy.id),
      ];
    case 'succeeded':
    case 'failed':
      return [button(ACTIONS.rollback, 'Rollback', deploy.id)];
    default:
      return [];
  }
}

/** The tail of a command's output, for the message's thread. */
export function outputMessage(deploy: Pick<Deploy, 'id'>, tail: string, done: boolean): Message {
  const shown = tail.trim() === '' ? '(no output yet)' : tail.replace(/```/g, "'''");
  return message(md`#${deploy.id} output${done ? '' : ' (live)'}`, [
    section(md`\`\`\`${truncate(shown.slice(-2800), 2800)}\`\`\``),
    context(md`${done ? 'Finished.' : 'Running…'}`),
  ]);
}

/** `/ops deploys <service> [<environment>]`: the latest deploys and the DORA figures. */
export function historyMessage(title: string, deploys: readonly Deploy[], dora: readonly DoraFigures[]): Message {
  const lines = deploys.map((deploy) => {
    const approver = deploy.approvedBy ? md`, approved by ${mention(deploy.approvedBy)}` : '';
    const verified = deploy.status === 'succeeded' ? verification(deploy) : '';
    return md`${ICON[deploy.status]} #${deploy.id} ${deploy.kind === 'rollback' ? 'rollback to ' : ''}${deploy.version} → ${deploy.environment}: ${deploy.status}${verified} — ${mention(deploy.requester)}${approver}, ${date(deploy.requestedAt)}`;
  });
  const figures = dora.map(doraLine);
  return message(md`${title}: ${deploys.length === 0 ? 'no deploys yet' : figures.join('; ')}`, [
    section(md`*${title}*`),
    section(lines.length > 0 ? join(lines, md`\n`) : md`No deploys yet.`),
    context(md`${figures.join('\n')}`),
  ]);
}

/** What verification said of a deploy that succeeded. */
function verification(deploy: Pick<Deploy, 'verified' | 'unverifiable'>): string {
  if (deploy.verified) return ', verified';
  return deploy.unverifiable ? ', no verification configured' : ', not verified';
}

/** One service and environment on the Home tab: what runs there, and the latest deploy if it differs. */
export interface HomeRow {
  service: string;
  environment: string;
  current?: string;
  latest?: Pick<Deploy, 'id' | 'version' | 'status'>;
}

/** The deploys section of the Home tab: a line per service and environment, within one section's limit. */
export function deploysHome(
  rows: readonly HomeRow[],
  dora: readonly { service: string; figures: readonly DoraFigures[] }[] = [],
): Block[] {
  if (rows.length === 0) return [];
  const lines = rows.map((row) => {
    const running = row.current ? code(row.current) : 'nothing deployed yet';
    const latest =
      row.latest && !(row.latest.status === 'succeeded' && row.latest.version === row.current)
        ? md` — #${row.latest.id} ${code(row.latest.version)} ${row.latest.status}`
        : '';
    return md`*${row.service}* ${row.environment}: ${running}${latest}`;
  });
  const keys = dora.map(({ service, figures }) => md`*${service}* ${figures.map(doraLine).join(' · ')}`);
  return [
    section(md`*Deploys*\n${join(lines, md`\n`)}`),
    ...(keys.length > 0 ? [section(md`*DORA keys* (7d · 30d)\n${join(keys, md`\n`)}`)] : []),
  ];
}
