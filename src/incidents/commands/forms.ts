import { z } from 'zod';
import { Refused, SlackApiError } from '../../errors.js';
import type { ViewContext } from '../../platform/capability.js';
import { word } from '../../platform/grammar/index.js';
import type { IncidentDesk } from '../desk.js';
import { type DeclarePrefill, declareModal, type View } from '../messages.js';
import { normaliseSeverity, unknownSeverity } from '../rules.js';

export const severity = word('severity', {
  description: 'A severity from ops.yml: `sev1`, or just `1`',
  example: 'sev2',
});

/** Slack's users_select lists Slackbot and bots too; a role is for a person. */
export const NOT_A_PERSON =
  'Pick a person in this workspace: Slackbot, bots and unknown ids cannot take an incident role.';

/** Slack's answers to views.open when the trigger is unknown, used already or older than 3 s. */
const TRIGGER_ERRORS = new Set(['invalid_trigger_id', 'exchanged_trigger_id', 'expired_trigger_id']);

/** What a declare modal carries in `private_metadata`: where it came from. */
export const DeclareMetadata = z.object({
  channel: z.string().max(20).optional(),
  message: z.string().max(300).optional(),
  group: z.string().max(40).optional(),
});

/** A modal input's value: typed text, a chosen option or a chosen user. */
export function inputOf(values: ViewContext['values'], block: string): string | undefined {
  const element = Object.values(values[block] ?? {})[0] as
    | { value?: string | null; selected_option?: { value: string } | null; selected_user?: string | null }
    | undefined;
  const value = element?.value ?? element?.selected_option?.value ?? element?.selected_user ?? undefined;
  return value === null || value === undefined || value.trim() === '' ? undefined : value;
}

export function required(values: ViewContext['values'], block: string): string {
  const value = inputOf(values, block);
  if (value === undefined) throw new Refused('Fill in every required field.');
  return value;
}

/**
 * Opens a modal within the trigger's 3 s: everything it shows is known without asking Slack (at most one Redis
 * read, for an alert group). A trigger that ran out is told as such, not as an error.
 */
export async function openModal(desk: IncidentDesk, triggerId: string, view: View): Promise<void> {
  try {
    await desk.services.outbox.call('views.open', { trigger_id: triggerId, view });
  } catch (error) {
    if (error instanceof SlackApiError && TRIGGER_ERRORS.has(error.slackError)) {
      throw new Refused('Slack took too long to open the form: try again.');
    }
    throw error;
  }
}

/** Opens the declare form, prefilled, carrying where it came from. */
export function openDeclare(
  desk: IncidentDesk,
  triggerId: string,
  prefill: DeclarePrefill,
  metadata: z.input<typeof DeclareMetadata>,
): Promise<void> {
  return openModal(
    desk,
    triggerId,
    declareModal({
      severities: desk.settings.order,
      services: desk.serviceNames(),
      prefill,
      metadata: JSON.stringify(metadata),
    }),
  );
}

/** A severity as typed (`sev2`, `2`), named as ops.yml names it; a refusal listing them otherwise. */
export function severityNamed(desk: IncidentDesk, input: string): string {
  const name = normaliseSeverity(desk.settings, input);
  if (!name) throw unknownSeverity(desk.settings, input);
  return name;
}

export function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
