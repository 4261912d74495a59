import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A round-robin HTTP proxy in front of several bots, as a load balancer would be: each request goes to the next
 * bot in turn, body and headers untouched (Slack's signature covers the raw body).
 */
export async function roundRobin(
  targets: () => string[],
): Promise<{ url: string; served: Map<string, number>; close(): Promise<void> }> {
  let next = 0;
  const served = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    const list = targets();
    const target = new URL(req.url ?? '/', list[next++ % list.length]);
    served.set(target.origin, (served.get(target.origin) ?? 0) + 1);
    const upstream = request(target, { method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.once('error', () => res.writeHead(502).end());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    served,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
