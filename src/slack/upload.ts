import type { SlackOutbox } from './outbox/outbox.js';

/** Slack's upload flow (files.upload is deprecated for new apps): an upload URL, the bytes, then completing it. */
export async function uploadFile(
  outbox: SlackOutbox,
  file: { channel: string; filename: string; title: string; content: string; contentType: string },
): Promise<void> {
  const bytes = Buffer.from(file.content, 'utf8');
  const { upload_url: url, file_id: fileId } = await outbox.call<{ upload_url: string; file_id: string }>(
    'files.getUploadURLExternal',
    { filename: file.filename, length: bytes.length },
  );
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': file.contentType },
    body: bytes,
    signal: AbortSignal.timeout(30_000),
  });
  await response.text().catch(() => '');
  if (!response.ok) throw new Error(`file upload answered ${response.status}`);
  await outbox.call('files.completeUploadExternal', {
    files: JSON.stringify([{ id: fileId, title: file.title }]),
    channel_id: file.channel,
  });
}
