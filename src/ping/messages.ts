import { type Block, context, escapeMrkdwn, type Message, section } from '../platform/blocks.js';

/** The button on a pong that asks for another; the answer replaces the message. */
export const PING_AGAIN_ACTION = 'ping_again';

export interface PingResult {
  workerId: string;
  /** Time the job waited in the queue before a worker took it. */
  queueLatencyMs: number;
  attempt: number;
}

export function pingReply(result: PingResult): Message {
  const text = `Pong from worker ${result.workerId}: queue latency ${result.queueLatencyMs} ms`;
  const blocks: Block[] = [
    section(
      `:table_tennis_paddle_and_ball: Pong from worker \`${escapeMrkdwn(result.workerId)}\` — queue latency *${result.queueLatencyMs} ms*`,
    ),
  ];
  if (result.attempt > 1) blocks.push(context(`Delivered on attempt ${result.attempt}: a worker was lost mid-job.`));
  blocks.push({
    type: 'actions',
    block_id: 'ping',
    elements: [
      { type: 'button', action_id: PING_AGAIN_ACTION, text: { type: 'plain_text', text: 'Ping again' }, value: 'ping' },
    ],
  });
  return { text, blocks };
}
