import { subcommand } from '../../platform/capability.js';
import { args } from '../../platform/grammar/index.js';
import type { IncidentDesk } from '../desk.js';
import { listMessage, timelineMessage } from '../messages.js';

/** `/ops incident list` (open incidents anywhere) and `/ops incident timeline` (in an incident's channel). */
export function listCommands(desk: IncidentDesk) {
  const { store } = desk;
  return [
    subcommand({
      name: 'incident list',
      summary: 'Open incidents, with their channels.',
      grammar: args(),
      example: 'incident list',
      changes: false,
      async run(ctx) {
        await ctx.reply(listMessage(await store.open()));
      },
    }),
    subcommand({
      name: 'incident timeline',
      summary: 'The timeline of this channel’s incident.',
      grammar: args(),
      example: 'incident timeline',
      changes: false,
      async run(ctx) {
        const incident = await desk.inChannel(ctx.channelId, 'timeline');
        await ctx.reply(timelineMessage(incident, await store.timeline(incident.id)));
      },
    }),
  ];
}
