import type { EventEmitter } from 'node:events';
import type { WorkspaceApp } from '../app-manifest.js';
import type { WorkspaceState } from '../state.js';
import type { TriggerRegistry } from '../web-api/triggers.js';
import { applyCommandAck, applyViewAck } from './acks.js';
import {
  blockActionsPayload,
  commandBody,
  escapeCommandText,
  eventEnvelope,
  findElement,
  interactionBody,
  messageActionPayload,
  type PayloadContext,
  viewSubmissionPayload,
} from './payloads.js';
import type { ResponseUrls } from './response-urls.js';
import type { BotResponse, BotTransport, SignedRequestInput } from './transport.js';

export interface CommandInput {
  userId: string;
  channelId: string;
  text: string;
  /** Defaults to `/ops`. */
  command?: string;
}

export interface BlockActionInput {
  userId: string;
  channelId: string;
  messageTs: string;
  actionId: string;
  /** Defaults to the block holding the element with `actionId`. */
  blockId?: string;
  /** A button's value (defaults to the element's), or the chosen user/channel/date for those pickers. */
  value?: string;
  /** For static_select / overflow / radio_buttons; `text` defaults to the matching option's text. */
  selectedOption?: { value: string; text?: string };
}

export interface MessageShortcutInput {
  userId: string;
  channelId: string;
  /** The message the shortcut is used on. */
  ts: string;
  /** The shortcut's callback_id, as declared in the app manifest. */
  callbackId: string;
}

/** Values by block_id then action_id: a string is typed into the element, an object is sent as Slack's state. */
export type ViewSubmissionValues = Record<string, Record<string, string | Record<string, unknown>>>;

export interface ViewSubmissionInput {
  userId: string;
  viewId: string;
  values?: ViewSubmissionValues;
}

export interface EventOptions {
  /** Reuse an id to simulate Slack redelivering the same event. */
  eventId?: string;
  retryNum?: number;
  retryReason?: string;
}

export interface InteractionDeps {
  state: WorkspaceState;
  triggers: TriggerRegistry;
  responseUrls: ResponseUrls;
  sender: BotTransport;
  payloads: PayloadContext;
  events: EventEmitter;
  now: () => number;
  baseUrl: () => string;
  /**
   * The app as declared: commands with `shouldEscape` get their mentions escaped, and only its message shortcuts can
   * be used, as on Slack. Absent: no escaping, any callback_id.
   */
  app?: WorkspaceApp;
}

type Json = Record<string, unknown>;

const slackTs = (ms: number) => (ms / 1000).toFixed(6);

function optionText(element: Json | undefined, value: string): unknown {
  const groups = Array.isArray(element?.option_groups) ? (element.option_groups as Json[]) : [];
  const options = [
    ...(Array.isArray(element?.options) ? (element.options as Json[]) : []),
    ...groups.flatMap((g) => (Array.isArray(g.options) ? (g.options as Json[]) : [])),
  ];
  return options.find((o) => o.value === value)?.text ?? { type: 'plain_text', text: value, emoji: true };
}

/** The `actions[0]` entry Slack sends for a click on `element` (or a plain button if the id is not found). */
function actionFor(input: BlockActionInput, found: { blockId: string; element: Json } | undefined, ts: string): Json {
  const element = found?.element;
  const type = typeof element?.type === 'string' ? element.type : 'button';
  const action: Json = { action_id: input.actionId, block_id: input.blockId ?? found?.blockId ?? '', type };
  const option = input.selectedOption;
  if (type === 'button') {
    action.text = element?.text;
    action.value = input.value ?? element?.value;
  } else if (option) {
    action.selected_option = {
      text: option.text ? { type: 'plain_text', text: option.text, emoji: true } : optionText(element, option.value),
      value: option.value,
    };
  } else if (type === 'users_select') action.selected_user = input.value;
  else if (type === 'conversations_select') action.selected_conversation = input.value;
  else if (type === 'channels_select') action.selected_channel = input.value;
  else if (type === 'datepicker') action.selected_date = input.value;
  else if (input.value !== undefined) action.value = input.value;
  action.action_ts = ts;
  return action;
}

/** Sends Slack's side of user interactions to the bot and applies what the bot's ack asks for. */
export class Interactions {
  constructor(private readonly deps: InteractionDeps) {}

  async sendCommand(input: CommandInput): Promise<BotResponse & { responseUrl: string; triggerId: string }> {
    const { state, triggers, responseUrls } = this.deps;
    if (!state.channels.has(input.channelId)) throw new Error(`sendCommand: unknown channel ${input.channelId}`);
    const triggerId = triggers.issue(input.userId);
    const entry = responseUrls.issue({
      userId: input.userId,
      channelId: input.channelId,
      source: { kind: 'command' },
    });
    const responseUrl = `${this.deps.baseUrl()}/response/${entry.id}`;
    const command = input.command ?? '/ops';
    const shouldEscape = this.deps.app?.commands.find((c) => c.command === command)?.shouldEscape ?? false;
    const body = commandBody(this.deps.payloads, {
      ...input,
      text: shouldEscape ? escapeCommandText(state, input.text) : input.text,
      command,
      responseUrl,
      triggerId,
    });
    const response = await this.deliver('command', { body, contentType: 'application/x-www-form-urlencoded' });
    applyCommandAck(state, this.deps.events, entry, response);
    return { ...response, responseUrl, triggerId };
  }

  async sendBlockAction(input: BlockActionInput): Promise<BotResponse> {
    const { state } = this.deps;
    const message = state.getMessage(input.channelId, input.messageTs);
    if (!message) throw new Error(`sendBlockAction: no message ${input.messageTs} in ${input.channelId}`);
    const entry = this.deps.responseUrls.issue({
      userId: input.userId,
      channelId: input.channelId,
      source: { kind: 'interaction', messageTs: message.ts },
    });
    const payload = blockActionsPayload(this.deps.payloads, {
      userId: input.userId,
      message,
      action: actionFor(input, findElement(message.blocks, input.actionId), slackTs(this.deps.now())),
      triggerId: this.deps.triggers.issue(input.userId),
      responseUrl: `${this.deps.baseUrl()}/response/${entry.id}`,
    });
    return this.deliver('block_actions', {
      body: interactionBody(payload),
      contentType: 'application/x-www-form-urlencoded',
    });
  }

  /** A person uses a message shortcut on a message (Slack's "More actions" menu): a `message_action` payload. */
  async sendMessageShortcut(
    input: MessageShortcutInput,
  ): Promise<BotResponse & { responseUrl: string; triggerId: string }> {
    const { state } = this.deps;
    const message = state.getMessage(input.channelId, input.ts);
    if (!message || message.ephemeralFor) {
      throw new Error(`sendMessageShortcut: no message ${input.ts} in ${input.channelId}`);
    }
    const { app } = this.deps;
    if (app && !app.shortcuts.some((s) => s.type === 'message' && s.callbackId === input.callbackId)) {
      throw new Error(
        `sendMessageShortcut: the app declares no message shortcut ${input.callbackId} (manifest features.shortcuts)`,
      );
    }
    // Replies through its response_url are new messages in the channel: the message belongs to someone else.
    const entry = this.deps.responseUrls.issue({
      userId: input.userId,
      channelId: input.channelId,
      source: { kind: 'command' },
    });
    const responseUrl = `${this.deps.baseUrl()}/response/${entry.id}`;
    const triggerId = this.deps.triggers.issue(input.userId);
    const payload = messageActionPayload(this.deps.payloads, {
      userId: input.userId,
      message,
      callbackId: input.callbackId,
      triggerId,
      responseUrl,
      actionTs: slackTs(this.deps.now()),
    });
    const response = await this.deliver('message_action', {
      body: interactionBody(payload),
      contentType: 'application/x-www-form-urlencoded',
    });
    return { ...response, responseUrl, triggerId };
  }

  async sendViewSubmission(input: ViewSubmissionInput): Promise<BotResponse> {
    const { state } = this.deps;
    const view = state.views.get(input.viewId);
    if (view?.type !== 'modal' || !state.isOpen(view)) {
      throw new Error(`sendViewSubmission: no open modal ${input.viewId}`);
    }
    // The submitted values become the view's state, as they are in Slack's client.
    const values = structuredClone((view.view.state as { values: Record<string, Json> }).values);
    for (const [blockId, actions] of Object.entries(input.values ?? {})) {
      values[blockId] ??= {};
      for (const [actionId, value] of Object.entries(actions)) {
        const current = values[blockId][actionId] as Json | undefined;
        values[blockId][actionId] =
          typeof value === 'string' ? { type: current?.type ?? 'plain_text_input', value } : value;
      }
    }
    view.view.state = { values };
    view.errors = undefined;
    const payload = viewSubmissionPayload(this.deps.payloads, {
      userId: input.userId,
      view: view.view,
      triggerId: this.deps.triggers.issue(input.userId),
    });
    const response = await this.deliver('view_submission', {
      body: interactionBody(payload),
      contentType: 'application/x-www-form-urlencoded',
    });
    applyViewAck(state, this.deps.events, this.deps.now(), view, response);
    return response;
  }

  async sendEvent(event: Json, opts: EventOptions = {}): Promise<BotResponse> {
    const now = this.deps.now();
    const envelope = eventEnvelope(this.deps.payloads, {
      event,
      eventId: opts.eventId ?? this.deps.state.nextId('Ev'),
      eventTime: Math.floor(now / 1000),
      eventTs: slackTs(now),
    });
    const headers: Record<string, string> = {};
    if (opts.retryNum !== undefined) headers['x-slack-retry-num'] = String(opts.retryNum);
    if (opts.retryReason !== undefined) headers['x-slack-retry-reason'] = opts.retryReason;
    return this.deliver('event_callback', { body: JSON.stringify(envelope), contentType: 'application/json', headers });
  }

  sendRaw(input: SignedRequestInput): Promise<BotResponse> {
    return this.deliver('raw', input);
  }

  private async deliver(kind: string, input: SignedRequestInput): Promise<BotResponse> {
    const response = await this.deps.sender.send(input);
    this.deps.events.emit('delivery', { kind, status: response.status, ackMs: response.ackMs });
    return response;
  }
}
