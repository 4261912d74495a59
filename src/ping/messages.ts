import { type Block, context, type Message, message, section } from '../platform/blocks.js';
import { code, md } from '../platform/mrkdwn.js';

/** The button on a pong that asks for another; the answer replaces the message. */
export const PING_AGAIN_ACTION = 'ping_again';

export interface PingResult {
  workerId: string;
  /** Time the job waited in the queue before a worker took it. */
  queueLatencyMs: number;
  attempt: number;
}

export function pingReply(result: PingResult): Message {
  const text = md`Pong from worker ${result.workerId}: queue latency ${result.queueLatencyMs} ms`;
  const blocks: Block[] = [
    section(
      md`:table_tennis_paddle_and_ball: Pong from worker ${code(result.workerId)} — queue latency *${result.queueLatencyMs} ms*`,
    ),
  ];
  if (result.attempt > 1) blocks.push(context(md`Delivered on attempt ${result.attempt}: a worker was lost mid-job.`));
  blocks.push({
    type: 'actions',
    block_id: 'ping',
    elements: [
      { type: 'button', action_id: PING_AGAIN_ACTION, text: { type: 'plain_text', text: 'Ping again' }, value: 'ping' },
    ],
  });
  return message(text, blocks);
}
