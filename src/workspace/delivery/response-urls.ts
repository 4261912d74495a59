import { randomBytes } from 'node:crypto';
import type { WorkspaceMessage, WorkspaceState } from '../state.js';
import { isApiResult, type MessageContent, messageContent } from '../web-api/chat.js';
import type { ApiResult } from '../web-api/common.js';
import { bool, str } from '../web-api/form.js';

/** Slack: a response_url accepts up to 5 uses within 30 minutes. */
export const RESPONSE_URL_MAX_USES = 5;
export const RESPONSE_URL_TTL_MS = 30 * 60 * 1000;

/**
 * What a response_url answers for. A command has no message of its own: `replace_original`/`delete_original`
 * act on the last reply sent for it (ack body or an earlier use), the "Working… → Done" pattern. An interaction's
 * source is the message whose button was clicked, ephemeral or not.
 */
export type ResponseSource = { kind: 'command'; lastReplyTs?: string } | { kind: 'interaction'; messageTs: string };

export interface ResponseUrlEntry {
  id: string;
  userId: string;
  channelId: string;
  source: ResponseSource;
  uses: number;
  createdAt: number;
}

export interface ResponseUrlAnswer {
  status: number;
  body: ApiResult;
}

const fail = (status: number, error: string): ResponseUrlAnswer => ({ status, body: { ok: false, error } });

/** Posts a reply for a command or interaction: public when `in_channel`, otherwise ephemeral to the user. */
export function postReply(
  state: WorkspaceState,
  target: { channelId: string; userId: string },
  content: MessageContent,
  responseType: unknown,
  threadTs?: string,
): WorkspaceMessage {
  return state.addMessage({
    channel: target.channelId,
    user: state.botUserId,
    botId: state.botId,
    text: content.text ?? '',
    blocks: content.blocks?.length ? content.blocks : undefined,
    attachments: content.attachments?.length ? content.attachments : undefined,
    threadTs,
    ephemeralFor: responseType === 'in_channel' ? undefined : target.userId,
  });
}

export class ResponseUrls {
  readonly entries = new Map<string, ResponseUrlEntry>();

  constructor(
    private readonly state: WorkspaceState,
    private readonly now: () => number,
  ) {}

  issue(input: { userId: string; channelId: string; source: ResponseSource }): ResponseUrlEntry {
    const entry: ResponseUrlEntry = { ...input, id: randomBytes(12).toString('hex'), uses: 0, createdAt: this.now() };
    this.entries.set(entry.id, entry);
    return entry;
  }

  /** Applies one POST to `/response/<id>`; the answer's status and body are what the HTTP layer sends back. */
  use(id: string, body: unknown): ResponseUrlAnswer {
    const entry = this.entries.get(id);
    if (!entry) return fail(404, 'invalid_url');
    if (this.now() - entry.createdAt > RESPONSE_URL_TTL_MS) return fail(404, 'expired_url');
    if (entry.uses >= RESPONSE_URL_MAX_USES) return fail(404, 'used_url');
    if (typeof body !== 'object' || body === null || Array.isArray(body)) return fail(400, 'invalid_payload');
    const params = body as Record<string, unknown>;

    const original = this.original(entry);
    if (bool(params.delete_original)) {
      if (original) this.state.deleteMessage(original);
      else if (entry.source.kind === 'interaction') return fail(404, 'message_not_found');
      entry.uses += 1;
      return { status: 200, body: { ok: true } };
    }

    const content = messageContent(params);
    if (isApiResult(content)) return { status: 400, body: content };

    if (bool(params.replace_original) && (original || entry.source.kind === 'interaction')) {
      if (!original) return fail(404, 'message_not_found');
      // A replacement is a whole new message body: omitted blocks mean none. Ephemeral stays ephemeral.
      this.state.updateMessage(
        original,
        { text: content.text ?? '', blocks: content.blocks?.length ? content.blocks : undefined },
        this.state.botUserId,
      );
    } else {
      const reply = postReply(this.state, entry, content, params.response_type, str(params.thread_ts));
      if (entry.source.kind === 'command') entry.source.lastReplyTs = reply.ts;
    }
    entry.uses += 1;
    return { status: 200, body: { ok: true } };
  }

  private original(entry: ResponseUrlEntry): WorkspaceMessage | undefined {
    const ts = entry.source.kind === 'command' ? entry.source.lastReplyTs : entry.source.messageTs;
    return ts ? this.state.getMessage(entry.channelId, ts) : undefined;
  }
}
