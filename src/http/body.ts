import type { IncomingMessage } from 'node:http';

export class BodyTooLarge extends Error {}

/**
 * Reads a request body up to `limit` bytes; beyond that, BodyTooLarge (the caller answers 413). With the stream's own
 * events rather than its async iterator: OFREP reads a small body per evaluation, thousands a second, and the iterator's
 * promise per chunk costs more than the body.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) return Promise.reject(new BodyTooLarge());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let ended = false;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) return void chunks.push(chunk);
      // The rest is not read: the answer (413) closes the exchange.
      req.off('data', onData);
      req.pause();
      reject(new BodyTooLarge());
    };
    req.on('data', onData);
    req.once('end', () => {
      ended = true;
      resolve(Buffer.concat(chunks, size));
    });
    req.once('error', reject);
    // A client that went away mid-body. Every request closes after its end too: no error is made then (making one
    // costs more than reading a small body).
    req.once('close', () => {
      if (!ended) reject(new Error('the request closed before its body ended'));
    });
  });
}
