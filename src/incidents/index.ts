import { defineCapability } from '../platform/capability.js';
import { cardActions, cardViews } from './commands/card.js';
import { declareCommands, declareFromAlert, declareShortcut, declareView } from './commands/declare.js';
import { inChannelCommands } from './commands/in-channel.js';
import { listCommands } from './commands/list.js';
import { incidentsConfig } from './config.js';
import { IncidentDesk } from './desk.js';
import { pageJob } from './jobs/page.js';
import { postmortemJob } from './jobs/postmortem.js';
import { setupJob } from './jobs/setup.js';
import { syncJob } from './jobs/sync.js';
import { timerJob } from './jobs/timer.js';
import { incidentsHome } from './messages.js';
import { pinEvents } from './pins.js';

/**
 * Incidents from declaration to postmortem: a channel per incident with its card pinned, status updates, severity and
 * roles, a timeline (changes, notes, pinned messages), reminders to the commander, escalation and paging when nobody
 * acknowledges, and a postmortem draft on resolve.
 */
export const incidents = defineCapability({
  name: 'incidents',
  title: 'Incidents',
  config: incidentsConfig,
  uses: [
    'redis',
    'key',
    'keysOf',
    'catalog',
    'outbox',
    'jobs',
    'metrics',
    'logger',
    'now',
    'slashCommand',
    'home',
    'names',
  ],
  build: (services) => {
    const desk = new IncidentDesk(services);
    return {
      home: async () => incidentsHome(await desk.store.open(), services.slashCommand),
      subcommands: [...declareCommands(desk), ...listCommands(desk), ...inChannelCommands(desk)],
      actions: [...cardActions(desk), declareFromAlert(desk)],
      views: [declareView(desk), ...cardViews(desk)],
      shortcuts: [declareShortcut(desk)],
      events: pinEvents(desk),
      jobs: [setupJob(desk), syncJob(desk), timerJob(desk), pageJob(desk), postmortemJob(desk)],
    };
  },
});
