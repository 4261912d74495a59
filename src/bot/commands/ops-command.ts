import type { App, RespondFn, SlashCommand } from '@slack/bolt';
import { isCodedError, PermissionDenied, UsageError } from '../../errors.js';
import type { Message } from '../blocks/message.js';
import { deniedMessage, failureMessage, usageMessage } from '../blocks/refusal-message.js';
import { type OpsCommand, parseCommand } from '../grammar.js';
import type { BotDeps } from '../listeners.js';
import { auditCommand } from './audit.js';
import { helpCommand } from './help.js';
import { pingCommand } from './ping.js';

/** What a subcommand handler gets. `reply` acks with a message the first time and uses response_url after that. */
export interface CommandContext<C extends OpsCommand = OpsCommand> {
  command: C;
  payload: SlashCommand;
  reply(message: Message): Promise<void>;
  /** Acks with nothing, for handlers that answer later through `reply`. */
  ackNow(): Promise<void>;
  deps: BotDeps;
}

type Handlers = { [N in OpsCommand['name']]: (ctx: CommandContext<Extract<OpsCommand, { name: N }>>) => Promise<void> };

const HANDLERS: Handlers = { help: helpCommand, ping: pingCommand, audit: auditCommand };

export function registerOpsCommand(app: App, deps: BotDeps): void {
  const log = deps.logger.child({ module: 'bot.commands' });
  const firstSeenCommand = deps.firstSeen('command');
  app.command(deps.slashCommand, async ({ command: payload, ack, respond }) => {
    const reply = replier(ack, respond);
    let name = 'unknown';
    try {
      const command = parseCommand(payload.text ?? '', deps.slashCommand);
      name = command.name;
      // help changes nothing, so it skips the Redis round trip; every other subcommand runs once per trigger_id.
      if (command.name !== 'help' && !(await firstSeenCommand(payload.trigger_id))) {
        deps.metrics.commands.inc({ command: name, outcome: 'replayed' });
        await reply.ackNow();
        return;
      }
      const handler = HANDLERS[command.name] as (ctx: CommandContext) => Promise<void>;
      await handler({ command, payload, reply: reply.send, ackNow: reply.ackNow, deps });
      deps.metrics.commands.inc({ command: name, outcome: 'ok' });
    } catch (error) {
      if (error instanceof UsageError) {
        deps.metrics.commands.inc({ command: name, outcome: 'usage_error' });
        await reply.send(usageMessage(error));
      } else if (error instanceof PermissionDenied) {
        deps.metrics.commands.inc({ command: name, outcome: 'denied' });
        await reply.send(deniedMessage(error));
      } else {
        deps.metrics.commands.inc({ command: name, outcome: 'error' });
        log.error(
          { command: name, err: isCodedError(error) ? { code: error.code, message: error.message } : error },
          'command failed',
        );
        await reply.send(failureMessage(`running ${deps.slashCommand} ${name}`)).catch(() => {});
      }
    }
  });
}

/** Ephemeral replies: the first one is the ack itself (no extra HTTP call), later ones go to the response_url. */
function replier(ack: (response?: Record<string, unknown>) => Promise<void>, respond: RespondFn) {
  let acked = false;
  return {
    async ackNow() {
      if (acked) return;
      acked = true;
      await ack();
    },
    async send(message: Message) {
      if (!acked) {
        acked = true;
        await ack({ ...message, response_type: 'ephemeral' });
      } else {
        await respond({ ...message, response_type: 'ephemeral' } as Parameters<RespondFn>[0]);
      }
    },
  };
}
