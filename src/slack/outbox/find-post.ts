import type { AttemptOutcome } from './attempt.js';
import type { MessageRef } from './message-store.js';

/**
 * Slack has no idempotency key for chat.postMessage, so every post carries its write's key in Slack's message metadata
 * (`event_type` + `event_payload`, as Slack documents it). A post whose earlier try may have reached Slack (its sender
 * died before recording the answer, or the answer was lost) is looked up by that key before it is sent again.
 */
export const WRITE_EVENT_TYPE = 'opsdeck_write';

export function writeMetadata(key: string): { event_type: string; event_payload: { key: string } } {
  return { event_type: WRITE_EVENT_TYPE, event_payload: { key } };
}

/**
 * How far Slack's clock may be from this process's, each way, and how late after its start a try may still land
 * (the request timeout). The window stays small because Slack pages history slowly for apps outside its Marketplace
 * (15 messages a page, one page a minute).
 */
const CLOCK_SKEW_MS = 10_000;
const TRY_LANDS_WITHIN_MS = 10_000;
/** Slack's default page; it answers with fewer where it allows fewer, and the cursor goes on. */
const PAGE_SIZE = 100;
/** Beyond this many pages of one window something is wrong: the search gives up as if Slack were failing. */
const MAX_PAGES = 20;

export interface PostSearch {
  channel: string;
  key: string;
  /** The thread the post replies in: searched with conversations.replies instead of conversations.history. */
  threadTs?: string;
  /** When the try that may have landed started (ms since the epoch, this process's clock). */
  attemptAt: number;
}

interface HistoryPage {
  messages?: Array<{ ts?: string; metadata?: { event_type?: string; event_payload?: { key?: unknown } } }>;
  has_more?: boolean;
  response_metadata?: { next_cursor?: string };
}

/** A page call as the outbox makes it: paced, briefly retried, and its failure classified. */
export type PageCall = (method: string, args: Record<string, unknown>) => Promise<AttemptOutcome<HistoryPage>>;

export function searchMethod(search: Pick<PostSearch, 'threadTs'>): string {
  return search.threadTs ? 'conversations.replies' : 'conversations.history';
}

/**
 * The message posted under `search.key` around the try's time, if Slack has it (the first one, should there be
 * several); `undefined` when it has none, so the try never reached Slack. A failed page call is returned as is.
 */
export async function findPost(call: PageCall, search: PostSearch): Promise<AttemptOutcome<MessageRef | undefined>> {
  const method = searchMethod(search);
  const seconds = (ms: number) => (ms / 1000).toFixed(6);
  const window = {
    channel: search.channel,
    ...(search.threadTs ? { ts: search.threadTs } : {}),
    oldest: seconds(search.attemptAt - CLOCK_SKEW_MS),
    latest: seconds(search.attemptAt + TRY_LANDS_WITHIN_MS + CLOCK_SKEW_MS),
    inclusive: true,
    include_all_metadata: true,
    limit: PAGE_SIZE,
  };
  let cursor: string | undefined;
  let first: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const outcome = await call(method, { ...window, ...(cursor ? { cursor } : {}) });
    if (!outcome.ok) return outcome;
    for (const message of outcome.value.messages ?? []) {
      const { metadata, ts } = message;
      if (metadata?.event_type !== WRITE_EVENT_TYPE || metadata.event_payload?.key !== search.key || !ts) continue;
      if (first === undefined || Number(ts) < Number(first)) first = ts;
    }
    cursor = outcome.value.response_metadata?.next_cursor;
    if (!outcome.value.has_more || !cursor) {
      return { ok: true, value: first === undefined ? undefined : { channel: search.channel, ts: first } };
    }
  }
  return { ok: false, failure: { kind: 'server', status: 0 }, error: 'history_too_long' };
}
