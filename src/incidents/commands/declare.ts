import { alertGroup, alertGroupOfButton } from '../../alerts/api.js';
import { Refused } from '../../errors.js';
import { type Message, messageLink, textMessage } from '../../platform/blocks.js';
import { type Action, type Shortcut, subcommand, type ViewSubmission } from '../../platform/capability.js';
import { args, rest } from '../../platform/grammar/index.js';
import { md, plainOf } from '../../platform/mrkdwn.js';
import { cut } from '../../platform/text.js';
import type { Declaration, IncidentDesk } from '../desk.js';
import type { Incident } from '../incident.js';
import { ACTIONS, SHORTCUT, VIEWS } from '../messages.js';
import { declareProblems, normaliseSeverity } from '../rules.js';
import { DeclareMetadata, inputOf, NOT_A_PERSON, openDeclare, safeJson, severity, severityNamed } from './forms.js';

/** `/ops incident` (the form) and `/ops incident declare <severity> <title…>` (at once). */
export function declareCommands(desk: IncidentDesk) {
  return [
    subcommand({
      name: 'incident',
      summary: 'Declare an incident from a form: title, severity, service, description, commander.',
      grammar: args(),
      example: 'incident',
      role: 'responder',
      changes: false,
      async run(ctx) {
        await openDeclare(desk, ctx.triggerId, { commander: ctx.userId }, { channel: ctx.channelId });
      },
    }),
    subcommand({
      name: 'incident declare',
      summary: 'Declare an incident at once: a channel, its card, invites and the announcement follow.',
      grammar: args(severity, rest('title', { example: 'Checkout returns 500s' })),
      example: 'incident declare sev2 Checkout returns 500s',
      role: 'responder',
      changes: true,
      auditTarget: (a) => `incident/${cut(plainOf(a.title), 80)}`,
      async run(ctx) {
        const incident = await desk.declare(
          {
            // A title is plain text everywhere (channel name, topic, header): mentions in it read as `@U…`.
            title: plainOf(ctx.args.title),
            severity: severityNamed(desk, ctx.args.severity),
            declaredBy: ctx.userId,
            origin: { channel: ctx.channelId },
          },
          { withinAck: true },
        );
        await ctx.reply(declaredMessage(incident));
      },
    }),
  ];
}

/** An alert's Declare incident button: the form, prefilled from the alert group. */
export function declareFromAlert(desk: IncidentDesk): Action {
  const { services } = desk;
  return {
    actionId: ACTIONS.declareFromAlert,
    role: 'responder',
    changes: false,
    async run(ctx) {
      const group = await alertGroupOfButton(services, ctx.value);
      if (!group) throw new Refused('That alert group is no longer kept.');
      const { title, labels } = group;
      await openDeclare(
        desk,
        ctx.triggerId,
        {
          title: group.summary ? `${title}: ${group.summary}` : title,
          severity: labels.severity && normaliseSeverity(desk.settings, labels.severity),
          service: labels.service,
          description: group.description,
          commander: ctx.userId,
        },
        { channel: ctx.channelId, group: group.id },
      );
    },
  };
}

/** The declare form's submission: field errors in the form, or the declaration. */
export function declareView(desk: IncidentDesk): ViewSubmission {
  const { services } = desk;
  return {
    callbackId: VIEWS.declare,
    role: 'responder',
    changes: true,
    auditTarget: () => 'incident',
    async run(ctx) {
      const input = {
        title: inputOf(ctx.values, 'title') ?? '',
        severity: inputOf(ctx.values, 'severity') ?? '',
        service: inputOf(ctx.values, 'service'),
        description: inputOf(ctx.values, 'description'),
        commander: inputOf(ctx.values, 'commander'),
      };
      const problems: Record<string, string> = { ...declareProblems(input, desk.settings, desk.serviceNames()) };
      if (input.commander && !(await services.names.isPerson(input.commander))) problems.commander = NOT_A_PERSON;
      if (Object.keys(problems).length > 0) return { errors: problems };
      const parsed = DeclareMetadata.safeParse(safeJson(ctx.privateMetadata));
      const metadata = parsed.success ? parsed.data : {};
      const declaration: Declaration = {
        ...input,
        declaredBy: ctx.userId,
        origin: { channel: metadata.channel, message: metadata.message },
      };
      if (metadata.group) {
        const group = await alertGroup(services, metadata.group);
        if (group) declaration.alertGroup = { id: group.id, title: group.title };
      }
      const incident = await desk.declare(declaration);
      if (metadata.channel) await confirmDeclared(desk, metadata.channel, ctx.userId, incident);
      return undefined;
    },
  };
}

/** What the declarer is told where they asked, from the command or the form alike. */
function declaredMessage(incident: Incident): Message {
  return textMessage(
    md`:rotating_light: Declared incident #${incident.id} (${incident.severity.toUpperCase()}): its channel is being created and you are invited.`,
  );
}

/**
 * The form's declaration confirmed where it was asked, as the command's is, only to the declarer (by direct message
 * when that channel refuses ephemerals: the bot is not in it). The incident is declared whatever Slack says: the
 * announcement and the invite still tell them.
 */
async function confirmDeclared(desk: IncidentDesk, channel: string, userId: string, incident: Incident) {
  try {
    await desk.services.outbox.tell({ channel, userId, message: declaredMessage(incident) });
  } catch (error) {
    desk.services.logger.warn(
      { incidentId: incident.id, err: { message: (error as Error).message } },
      'declare confirmation not shown',
    );
  }
}

/** The message shortcut Declare incident: the form, prefilled from the message. */
export function declareShortcut(desk: IncidentDesk): Shortcut {
  return {
    callbackId: SHORTCUT,
    role: 'responder',
    changes: false,
    async run(ctx) {
      const message = ctx.message;
      const link = message && messageLink(message.channelId, message.ts);
      // A message's text is in Slack's encoding; the form shows it as plain text (mentions as `@U…`).
      const text = message && plainOf(message.text);
      await openDeclare(
        desk,
        ctx.triggerId,
        {
          title: text !== undefined ? cut(text.split('\n')[0] ?? '', 100) : undefined,
          description: text !== undefined ? `${cut(text, 2500)}\n\nFrom ${link}` : undefined,
          commander: ctx.userId,
        },
        { channel: message?.channelId, message: link },
      );
    },
  };
}
