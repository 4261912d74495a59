import { message, section } from '../platform/blocks.js';
import { defineCapability, subcommand } from '../platform/capability.js';
import { args } from '../platform/grammar/index.js';
import { md } from '../platform/mrkdwn.js';
import { PING_AGAIN_ACTION } from './messages.js';
import { pingHandler, pingQueue } from './ping-job.js';

/**
 * `/ops ping`: the smallest capability that crosses every layer — a subcommand that enqueues, a job a worker runs, a
 * reply through the outbox, and a button. New capabilities start by copying this folder.
 */
export const ping = defineCapability({
  name: 'ping',
  title: 'Ping',
  uses: ['jobs', 'outbox', 'workerId'],
  build: (services) => ({
    subcommands: [
      subcommand({
        name: 'ping',
        summary: 'Check the whole path: a worker answers with its name and the queue latency.',
        grammar: args(),
        example: 'ping',
        changes: false,
        // Enqueue first, then ack: an acknowledged ping is in Redis, and a replayed request maps to the same job.
        async run(ctx) {
          await services.jobs.enqueue(
            pingQueue,
            { responseUrl: ctx.responseUrl, userId: ctx.userId, requestId: ctx.triggerId },
            { withinAck: true },
          );
          await ctx.reply(
            message(md`Pinging the workers…`, [section(md`:hourglass_flowing_sand: Pinging the workers…`)]),
          );
        },
      }),
    ],
    actions: [
      {
        actionId: PING_AGAIN_ACTION,
        changes: false,
        // The answer replaces the clicked pong through the click's response_url.
        async run(ctx) {
          if (!ctx.responseUrl) return;
          await services.jobs.enqueue(
            pingQueue,
            { responseUrl: ctx.responseUrl, userId: ctx.userId, requestId: ctx.triggerId },
            { withinAck: true },
          );
        },
      },
    ],
    jobs: [pingHandler(services)],
  }),
});
