import { button, context, type Message, message, section } from '../platform/blocks.js';
import { code, join, type Mrkdwn, md, mention, verbatim } from '../platform/mrkdwn.js';
import type { Rollout } from './rules.js';

export const ROLLOUT_ACTIONS = {
  pause: 'flags_rollout_pause',
  resume: 'flags_rollout_resume',
  abort: 'flags_rollout_abort',
} as const;

const STATUS_SHOWN: Record<Rollout['status'], string> = {
  running: ':arrow_forward: running',
  paused: ':double_vertical_bar: paused',
  halted: ':octagonal_sign: halted',
  done: ':white_check_mark: done',
  aborted: ':x: aborted',
};

/** The rollout's message: plan, where it is, the guard, and Pause / Resume / Abort while it can still move. */
export function rolloutMessage(rollout: Rollout): Message {
  const plan = rollout.steps
    .map((step, i) => (i < rollout.next ? `~${step.percent}%~` : `${step.percent}%`))
    .join(' → ');
  const guard = rollout.guard ? ` · guard *${rollout.guard}*` : '';
  const lines = [
    md`Progressive rollout of ${code(rollout.key)} in *${rollout.environment}* by ${mention(rollout.by)}: ${STATUS_SHOWN[rollout.status]}`,
    md`Now ${rollout.current}% (last healthy ${rollout.lastHealthy}%)${guard}`,
    md`Plan: ${plan}`,
  ];
  const buttons =
    rollout.status === 'running'
      ? [
          button(ROLLOUT_ACTIONS.pause, 'Pause', rollout.id),
          button(ROLLOUT_ACTIONS.abort, 'Abort', rollout.id, 'danger'),
        ]
      : rollout.status === 'paused'
        ? [
            button(ROLLOUT_ACTIONS.resume, 'Resume', rollout.id, 'primary'),
            button(ROLLOUT_ACTIONS.abort, 'Abort', rollout.id, 'danger'),
          ]
        : [];
  return message(
    md`Rollout of ${rollout.key} in ${rollout.environment}: ${rollout.status} at ${rollout.current}% (last healthy ${rollout.lastHealthy}%)`,
    [
      section(join(lines, md`\n`)),
      ...(rollout.reason ? [context(verbatim(rollout.reason))] : []),
      ...(buttons.length > 0 ? [{ type: 'actions', block_id: `rollout-${rollout.id}`, elements: buttons }] : []),
    ],
  );
}

export function rolloutStepText(rollout: Rollout, percent: number): Mrkdwn {
  return rollout.status === 'done'
    ? md`:white_check_mark: ${rollout.key} is at ${percent}% in ${rollout.environment}: rollout done.`
    : md`:arrow_up: ${rollout.key} is at ${percent}% in ${rollout.environment} (step ${rollout.next} of ${rollout.steps.length}).`;
}
