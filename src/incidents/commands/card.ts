import { Refused } from '../../errors.js';
import {
  type Action,
  type ActionContext,
  NUMERIC_ID,
  type ViewContext,
  type ViewSubmission,
} from '../../platform/capability.js';
import { encodePlain } from '../../platform/mrkdwn.js';
import type { IncidentDesk } from '../desk.js';
import { type Incident, STATES } from '../incident.js';
import { ACTIONS, resolveModal, roleModal, severityModal, statusModal, VIEWS, type View } from '../messages.js';
import { acknowledge, assignRole, changeSeverity, changeStatus, resolve } from '../rules.js';
import { NOT_A_PERSON, openModal, required, severityNamed } from './forms.js';

/** A card button that opens a small modal for the incident it belongs to. */
function modalAction(desk: IncidentDesk, actionId: string, view: (incident: Incident) => View) {
  return {
    actionId,
    role: 'responder',
    changes: false,
    value: NUMERIC_ID,
    async run(ctx: ActionContext) {
      if (!ctx.value) return;
      const incident = await desk.get(ctx.value);
      if (incident.state === 'resolved') throw new Refused(`Incident #${incident.id} is resolved already.`);
      await openModal(desk, ctx.triggerId, view(incident));
    },
  };
}

/** A small modal's submission: reads its fields into one change of the incident named in its metadata. */
function change(
  desk: IncidentDesk,
  callbackId: string,
  read: (ctx: ViewContext) => Parameters<IncidentDesk['apply']>[1] | Promise<Parameters<IncidentDesk['apply']>[1]>,
) {
  return {
    callbackId,
    role: 'responder',
    changes: true,
    auditTarget: (id: string) => `incident/${id}`,
    async run(ctx: ViewContext) {
      const incident = await desk.get(ctx.privateMetadata);
      await desk.apply(incident.id, await read(ctx));
    },
  };
}

/** The incident card's buttons: Acknowledge at once; Update status, Change severity, Assign role and Resolve open a form. */
export function cardActions(desk: IncidentDesk): Action[] {
  return [
    {
      actionId: ACTIONS.ack,
      role: 'responder',
      changes: true,
      value: NUMERIC_ID,
      auditTarget: (value) => `incident/${value ?? 'unknown'}`,
      async run(ctx) {
        if (!ctx.value) return;
        await desk.apply(ctx.value, (i, now) => acknowledge(i, ctx.userId, now));
      },
    },
    modalAction(desk, ACTIONS.status, statusModal),
    modalAction(desk, ACTIONS.severity, (incident) => severityModal(incident, desk.settings.order)),
    modalAction(desk, ACTIONS.role, roleModal),
    modalAction(desk, ACTIONS.resolve, resolveModal),
  ];
}

/** The card's forms, submitted. */
export function cardViews(desk: IncidentDesk): ViewSubmission[] {
  return [
    change(desk, VIEWS.status, (ctx) => {
      const state = required(ctx.values, 'state');
      // Modal text is plain: encoded, nothing in it is markup (not even a typed `<@U…>`).
      const text = encodePlain(required(ctx.values, 'text'));
      const known = STATES.find((name) => name === state);
      if (!known) throw new Refused('Pick a status.');
      return (i, now) => changeStatus(i, known, text, ctx.userId, now);
    }),
    change(desk, VIEWS.severity, (ctx) => {
      const next = severityNamed(desk, required(ctx.values, 'severity'));
      return (i, now) => changeSeverity(i, next, ctx.userId, now);
    }),
    change(desk, VIEWS.role, async (ctx) => {
      const role = required(ctx.values, 'role');
      const person = required(ctx.values, 'user');
      if (role !== 'commander' && role !== 'comms') throw new Refused('Pick a role.');
      if (!(await desk.services.names.isPerson(person))) throw new Refused(NOT_A_PERSON);
      return (i, now) => assignRole(i, role, person, ctx.userId, now);
    }),
    change(desk, VIEWS.resolve, (ctx) => {
      const summary = encodePlain(required(ctx.values, 'summary'));
      return (i, now) => resolve(i, summary, ctx.userId, now);
    }),
  ];
}
