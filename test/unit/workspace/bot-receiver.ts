import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifySignature } from '../../../src/slack/signature.js';

export interface ReceivedRequest {
  headers: IncomingHttpHeaders;
  body: string;
  /** verifySignature's verdict for the request as received. */
  verified: boolean;
  /** Form fields (slash commands), or the parsed `payload` field (interactions), or the JSON body (events). */
  parsed: Record<string, unknown>;
}

export interface BotReply {
  status?: number;
  body?: string | Record<string, unknown>;
}

/** A stand-in for the bot's HTTP endpoint: verifies signatures and answers with whatever the test says. */
export interface BotReceiver {
  url: string;
  requests: ReceivedRequest[];
  reply(handler: (req: ReceivedRequest) => BotReply | Promise<BotReply>): void;
  close(): Promise<void>;
}

function parse(contentType: string | undefined, body: string): Record<string, unknown> {
  if (contentType?.startsWith('application/json')) return JSON.parse(body) as Record<string, unknown>;
  const form = Object.fromEntries(new URLSearchParams(body));
  return typeof form.payload === 'string' ? (JSON.parse(form.payload) as Record<string, unknown>) : form;
}

export async function startBotReceiver(signingSecret: string): Promise<BotReceiver> {
  const requests: ReceivedRequest[] = [];
  let handler: (req: ReceivedRequest) => BotReply | Promise<BotReply> = () => ({ status: 200 });
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const received: ReceivedRequest = {
        headers: req.headers,
        body,
        verified: verifySignature({
          secret: signingSecret,
          timestamp: req.headers['x-slack-request-timestamp'] as string | undefined,
          signature: req.headers['x-slack-signature'] as string | undefined,
          body,
          nowSeconds: Math.floor(Date.now() / 1000),
        }),
        parsed: parse(req.headers['content-type'], body),
      };
      requests.push(received);
      if (!received.verified) {
        res.writeHead(401).end();
        return;
      }
      const reply = await handler(received);
      const isJson = typeof reply.body === 'object';
      res.writeHead(reply.status ?? 200, { 'content-type': isJson ? 'application/json' : 'text/plain' });
      res.end(isJson ? JSON.stringify(reply.body) : (reply.body ?? ''));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/slack/events`,
    requests,
    reply(h) {
      handler = h;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
