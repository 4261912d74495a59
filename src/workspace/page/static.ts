import type { EventEmitter } from 'node:events';
import { readFile } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { STREAMED_EVENTS } from './snapshot.js';

/**
 * The page's files and its live stream. The page's assets folder sits beside this module both in src/ (run by tsx) and in
 * dist/ (copied there by scripts/build.mjs), so resolving it from import.meta.url works for both.
 */
export const PAGE_DIR = fileURLToPath(new URL('./assets/', import.meta.url));

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

/** One plain file name, no directories: nothing outside the page folder can be named, encoded or not. */
const SAFE_NAME = /^[A-Za-z0-9_-][A-Za-z0-9_.-]*$/;

export async function serveStatic(res: ServerResponse, name: string): Promise<void> {
  const type = CONTENT_TYPES[extname(name)];
  if (!SAFE_NAME.test(name) || name.includes('..') || !type) {
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found');
    return;
  }
  let content: Buffer;
  try {
    content = await readFile(join(PAGE_DIR, name));
  } catch {
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found');
    return;
  }
  // no-cache: the page is served as-is from the source tree, so an edit shows on reload.
  res.writeHead(200, { 'content-type': type, 'cache-control': 'no-cache', 'x-content-type-options': 'nosniff' });
  res.end(content);
}

/** Comment lines keep idle proxies and the browser from dropping the stream. */
export const SSE_PING_MS = 15_000;

/**
 * Streams the server's state changes as Server-Sent Events, each mapped (or dropped) for the one user watching.
 * Listeners and the ping timer go away when the browser disconnects or the server closes the socket.
 */
export function openStream(
  res: ServerResponse,
  events: EventEmitter,
  map: (name: string, data: unknown) => { event: string; data: unknown } | null,
  onError: (err: unknown) => void,
): void {
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  res.write('retry: 2000\n: connected\n\n');
  const listeners = STREAMED_EVENTS.map((name) => {
    const listener = (data: unknown) => {
      try {
        const out = map(name, data);
        if (out && !res.writableEnded) res.write(`event: ${out.event}\ndata: ${JSON.stringify(out.data)}\n\n`);
      } catch (err) {
        // A stream must never break the state change that fed it.
        onError(err);
      }
    };
    events.on(name, listener);
    return [name, listener] as const;
  });
  const ping = setInterval(() => res.write(': ping\n\n'), SSE_PING_MS);
  ping.unref();
  res.on('close', () => {
    clearInterval(ping);
    for (const [name, listener] of listeners) events.off(name, listener);
  });
}
