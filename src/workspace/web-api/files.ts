import { randomBytes } from 'node:crypto';
import type { WorkspaceFile, WorkspaceState } from '../state.js';
import { isApiResult, messageContent } from './chat.js';
import { type ApiResult, apiError, type MethodHandler, visibleChannel } from './common.js';
import { str } from './form.js';

/**
 * Slack's file upload flow (files.upload is deprecated for new apps): files.getUploadURLExternal reserves a file and
 * hands out an upload URL, the app POSTs the bytes there (raw, or as multipart/form-data as @slack/web-api's
 * filesUploadV2 does), then files.completeUploadExternal finishes the files and shares them into a channel as one
 * message carrying a `files` array.
 */

/** Uploads above this are refused: the server reads request bodies into memory (Slack itself allows 1 GB). */
export const MAX_UPLOAD_BYTES = 5 * 1024 * 1024;

/** Where uploads go on this server (`${baseUrl}${UPLOAD_PATH}<token>`), like Slack's files.slack.com/upload/v1/…. */
export const UPLOAD_PATH = '/upload/v1/';
/** Where the bot downloads a file with its token, like Slack's files.slack.com/files-pri/T…-F…/name. */
export const FILES_PRI_PATH = '/files-pri/';

/** Slack's answer to a missing or malformed argument: `invalid_arguments` with the reason in response_metadata. */
function invalidArguments(message: string): ApiResult {
  return apiError('invalid_arguments', { response_metadata: { messages: [`[ERROR] ${message}`] } });
}

const getUploadURLExternal: MethodHandler = (params, ctx) => {
  const filename = str(params.filename);
  if (!filename) return invalidArguments('missing required field: filename');
  const rawLength = str(params.length);
  if (rawLength === undefined) return invalidArguments('missing required field: length');
  const length = Number(rawLength);
  if (!/^\d+$/.test(rawLength) || length < 1 || length > MAX_UPLOAD_BYTES) {
    return invalidArguments(`invalid value for field: length (1 to ${MAX_UPLOAD_BYTES} bytes)`);
  }
  const uploadToken = randomBytes(16).toString('hex');
  const base = ctx.baseUrl();
  const name = encodeURIComponent(filename);
  const file = ctx.state.reserveFile({
    name: filename,
    length,
    uploadToken,
    user: ctx.state.botUserId,
    urls: (id) => ({
      urlPrivate: `${base}${FILES_PRI_PATH}${ctx.state.teamId}-${id}/${name}`,
      urlPrivateDownload: `${base}${FILES_PRI_PATH}${ctx.state.teamId}-${id}/download/${name}`,
    }),
  });
  return { ok: true, upload_url: `${base}${UPLOAD_PATH}${uploadToken}`, file_id: file.id };
};

const fileEntry = (value: unknown): { id: string; title?: string } | undefined => {
  if (typeof value !== 'object' || value === null) return undefined;
  const { id, title } = value as Record<string, unknown>;
  if (typeof id !== 'string' || id.length === 0) return undefined;
  return typeof title === 'string' && title.length > 0 ? { id, title } : { id };
};

const completeUploadExternal: MethodHandler = (params, ctx) => {
  const { state } = ctx;
  if (!Array.isArray(params.files) || params.files.length === 0) {
    return invalidArguments('missing required field: files (a JSON array of {"id", "title"})');
  }
  const entries = params.files.map(fileEntry);
  if (entries.some((e) => e === undefined))
    return invalidArguments('invalid value for field: files (each needs an id)');
  const files: Array<{ file: WorkspaceFile; title?: string }> = [];
  for (const entry of entries as Array<{ id: string; title?: string }>) {
    const file = state.files.get(entry.id);
    // Unknown, another's, or already completed: no pending upload by that id.
    if (!file || file.completed || file.user !== state.botUserId) {
      return apiError('file_not_found', { response_metadata: { messages: [`[ERROR] no pending upload ${entry.id}`] } });
    }
    // UNVERIFIED code: Slack knows no file until its bytes have arrived at the upload URL.
    if (!file.content) {
      return apiError('file_not_found', {
        response_metadata: { messages: [`[ERROR] ${entry.id} was never uploaded to its upload_url`] },
      });
    }
    files.push({ file, title: entry.title });
  }
  // `channels` (one id) is the older spelling Slack still accepts.
  const channelId = str(params.channel_id) ?? str(params.channels);
  const threadTs = str(params.thread_ts);
  if (threadTs && !channelId) return invalidArguments('thread_ts requires channel_id');
  // The sharing message: `initial_comment` as its text, optional blocks, both checked as for chat.postMessage.
  const content = messageContent({ text: params.initial_comment, blocks: params.blocks }, true);
  if (isApiResult(content)) return content;
  let share: Parameters<WorkspaceState['completeFiles']>[1];
  if (channelId) {
    const channel = visibleChannel(state, channelId);
    if (!channel) return apiError('channel_not_found');
    if (!channel.members.includes(state.botUserId)) return apiError('not_in_channel');
    share = {
      channel: channel.id,
      text: content.text ?? '',
      threadTs,
      by: state.botUserId,
      botId: state.botId,
      blocks: content.blocks?.length ? content.blocks : undefined,
    };
  }
  state.completeFiles(files, share);
  return { ok: true, files: files.map(({ file }) => ({ id: file.id, title: file.title })) };
};

export const fileMethods: Record<string, MethodHandler> = {
  'files.getUploadURLExternal': getUploadURLExternal,
  'files.completeUploadExternal': completeUploadExternal,
};

/** The upload a POST to `${UPLOAD_PATH}<token>` is for: only a reserved, not yet completed file takes bytes. */
export function pendingUpload(state: WorkspaceState, token: string): WorkspaceFile | undefined {
  for (const file of state.files.values()) if (file.uploadToken === token && !file.completed) return file;
  return undefined;
}

/**
 * The bytes of an upload body: the first file part of a multipart/form-data body (what @slack/web-api sends, in a
 * part named `body`), else the raw body. Null when a multipart body cannot be read.
 */
export function uploadedBytes(contentType: string | undefined, raw: Buffer): Buffer | null {
  const boundary = /^multipart\/form-data;.*boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType ?? '');
  if (!boundary) return raw;
  const delimiter = Buffer.from(`--${boundary[1] ?? boundary[2]}`);
  const parts: Buffer[] = [];
  let start = raw.indexOf(delimiter);
  while (start >= 0) {
    const next = raw.indexOf(delimiter, start + delimiter.length);
    if (next < 0) break;
    // Each part: CRLF, headers, CRLF CRLF, content, CRLF before the next delimiter.
    parts.push(raw.subarray(start + delimiter.length + 2, next - 2));
    start = next;
  }
  const files = parts.flatMap((part) => {
    const split = part.indexOf('\r\n\r\n');
    if (split < 0) return [];
    const headers = part.subarray(0, split).toString('utf8');
    return [{ isFile: /filename=/i.test(headers), content: part.subarray(split + 4) }];
  });
  const chosen = files.find((p) => p.isFile) ?? files[0];
  return chosen ? chosen.content : null;
}

/** The file a `${FILES_PRI_PATH}T…-F…/[download/]name` path names, if any. */
export function fileAtPrivatePath(state: WorkspaceState, path: string): WorkspaceFile | undefined {
  const match = new RegExp(`^${FILES_PRI_PATH}([A-Z0-9]+)-([A-Z0-9]+)/`).exec(path);
  if (!match || match[1] !== state.teamId) return undefined;
  const file = state.files.get(match[2] ?? '');
  return file?.content && file.completed ? file : undefined;
}
