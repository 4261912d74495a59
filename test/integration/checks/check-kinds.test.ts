import { createServer as createHttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Check, CheckSchema } from '../../../src/checks/check-kinds.js';
import { runCheck } from '../../../src/checks/run-check.js';
import { redisUrl } from '../../support/redis.js';
import { freePort, startHttpTarget } from '../../support/targets.js';

const check = (input: Record<string, unknown>): Check => CheckSchema.parse(input);

let http: Awaited<ReturnType<typeof startHttpTarget>>;
let hanging: Array<() => void> = [];
beforeAll(async () => {
  http = await startHttpTarget((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (path === '/ok') return void res.end('{"status":"ok","version":"1.2.3"}');
    if (path === '/down') {
      res.statusCode = 503;
      return void res.end('unavailable');
    }
    if (path.startsWith('/html/')) return void res.end('<html>Sign in</html>');
    if (path === '/json') return void res.end('{"status":"degraded","checks":{"db":[{"ok":true,"lag":null}]}}');
    if (path === '/headers') {
      res.statusCode = req.headers.authorization === 'Bearer s3cret' && req.method === 'POST' ? 200 : 401;
      return void res.end();
    }
    if (path === '/hang') {
      hanging.push(() => res.end());
      return;
    }
    if (path === '/stall') {
      // Headers and part of the body, then nothing.
      res.write('{"status":');
      hanging.push(() => res.end('"ok"}'));
      return;
    }
    res.statusCode = 404;
    res.end();
  });
});
afterAll(async () => {
  for (const end of hanging) end();
  hanging = [];
  await http.close();
});

describe('http checks', () => {
  it('pass on a 2xx and report the latency', async () => {
    const result = await runCheck(check({ type: 'http', url: `${http.url}/ok` }));
    expect(result).toMatchObject({ ok: true, detail: { type: 'http', status: 200 } });
    expect(result.summary).toMatch(/^200 in \d+ ms$/);
    expect(result.latencyMs).toBeGreaterThanOrEqual(0);
  });

  it('fail on another status than expected, and say which was expected', async () => {
    const result = await runCheck(check({ type: 'http', url: `${http.url}/down` }));
    expect(result).toMatchObject({ ok: false, detail: { status: 503 } });
    // The target answered: nothing for a circuit breaker to count.
    expect(result.unreachable).toBeUndefined();
    expect(result.summary).toContain('503 (expected 2xx)');
    const expected = await runCheck(check({ type: 'http', url: `${http.url}/down`, expect: { status: 503 } }));
    expect(expected.ok).toBe(true);
  });

  it('send the method and headers', async () => {
    const headers = { Authorization: 'Bearer s3cret' };
    expect((await runCheck(check({ type: 'http', url: `${http.url}/headers`, headers }))).ok).toBe(false);
    const result = await runCheck(check({ type: 'http', method: 'POST', url: `${http.url}/headers`, headers }));
    expect(result.ok).toBe(true);
  });

  it('check the body with contains and a regex', async () => {
    const url = `${http.url}/ok`;
    expect((await runCheck(check({ type: 'http', url, expect: { bodyContains: '"ok"' } }))).ok).toBe(true);
    const lacks = await runCheck(check({ type: 'http', url, expect: { bodyContains: 'healthy' } }));
    expect(lacks).toMatchObject({ ok: false, summary: '200, body lacks "healthy"' });
    expect((await runCheck(check({ type: 'http', url, expect: { bodyMatches: '"version":"1\\.' } }))).ok).toBe(true);
    const mismatch = await runCheck(check({ type: 'http', url, expect: { bodyMatches: '^\\[' } }));
    expect(mismatch.ok).toBe(false);
  });

  it('check a value in a JSON body by its dotted path', async () => {
    const json = (path: string, equals?: unknown) =>
      runCheck(check({ type: 'http', url: `${http.url}/json`, expect: { json: { path, equals } } }));
    expect((await json('$.checks.db[0].ok', true)).ok).toBe(true);
    expect((await json('checks.db[0].lag', null)).ok).toBe(true);
    // Without `equals`, any value there passes.
    expect((await json('$.status')).ok).toBe(true);
    expect(await json('$.status', 'ok')).toMatchObject({
      ok: false,
      summary: '200, $.status is "degraded" (expected "ok")',
    });
    expect(await json('$.checks.cache')).toMatchObject({ ok: false, summary: '200, $.checks.cache is missing' });
    expect(await json('checks.db[3].ok', true)).toMatchObject({
      ok: false,
      summary: '200, checks.db[3].ok is missing',
    });
  });

  it('fail clearly, without crashing, on a body that is not JSON', async () => {
    const result = await runCheck(
      check({ type: 'http', url: `${http.url}/html/login`, expect: { json: { path: '$.status', equals: 'ok' } } }),
    );
    expect(result).toMatchObject({ ok: false, summary: '200, body is not JSON (expected $.status)' });
    expect(result.unreachable).toBeUndefined();
  });

  it('reuse a target’s connection, and read a reused connection the target closed as a retry, not a failure', async () => {
    // Answers the first request of each connection; with `closeReused`, drops the connection on any later one (a
    // server closing an idle keep-alive connection just as the check reuses it).
    let connections = 0;
    let closeReused = false;
    const target = createHttpServer((req, res) => {
      const served = (req.socket as { served?: number } & typeof req.socket).served ?? 0;
      (req.socket as { served?: number } & typeof req.socket).served = served + 1;
      if (served > 0 && closeReused) return void req.socket.destroy();
      res.end('ok');
    });
    target.on('connection', () => connections++);
    await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(target.address() as AddressInfo).port}/`;
    try {
      for (let i = 0; i < 3; i++) expect(await runCheck(check({ type: 'http', url }))).toMatchObject({ ok: true });
      expect(connections).toBe(1);
      closeReused = true;
      for (let i = 0; i < 3; i++) expect(await runCheck(check({ type: 'http', url }))).toMatchObject({ ok: true });
      expect(connections).toBe(4);
    } finally {
      target.closeAllConnections();
      await new Promise((resolve) => target.close(resolve));
    }
  });

  it('fail on a refused connection', async () => {
    const result = await runCheck(check({ type: 'http', url: `http://127.0.0.1:${await freePort()}/` }));
    expect(result).toMatchObject({ ok: false, summary: 'connection refused', unreachable: true });
  });

  it('time out on a body that stops halfway', async () => {
    const result = await runCheck(
      check({ type: 'http', url: `${http.url}/stall`, timeout: '200ms', expect: { json: { path: 'status' } } }),
    );
    expect(result).toMatchObject({ ok: false, summary: 'timed out after 200ms', unreachable: true });
  });

  it('time out on a target that never answers', async () => {
    const result = await runCheck(check({ type: 'http', url: `${http.url}/hang`, timeout: '200ms' }));
    expect(result).toMatchObject({ ok: false, summary: 'timed out after 200ms', unreachable: true });
  });
});

describe('tcp checks', () => {
  let listener: Server;
  let held: Array<{ destroy(): void }> = [];
  beforeAll(async () => {
    listener = createServer((socket) => held.push(socket));
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    for (const socket of held) socket.destroy();
    held = [];
    await new Promise<void>((resolve) => listener.close(() => resolve()));
  });

  it('pass when the port accepts a connection', async () => {
    const { port } = listener.address() as AddressInfo;
    const result = await runCheck(check({ type: 'tcp', host: '127.0.0.1', port }));
    expect(result.ok).toBe(true);
    expect(result.summary).toMatch(/^connected in \d+ ms$/);
  });

  it('fail on a refused connection', async () => {
    const result = await runCheck(check({ type: 'tcp', host: '127.0.0.1', port: await freePort() }));
    expect(result).toMatchObject({ ok: false, summary: 'connection refused' });
  });
});

describe('redis checks', () => {
  it('pass when the Redis answers PONG', async () => {
    const result = await runCheck(check({ type: 'redis', url: redisUrl() }));
    expect(result).toMatchObject({ ok: true, detail: { type: 'redis', reply: 'PONG' } });
  });

  it('fail when nothing listens', async () => {
    const result = await runCheck(check({ type: 'redis', url: `redis://127.0.0.1:${await freePort()}` }));
    expect(result).toMatchObject({ ok: false, summary: 'connection refused' });
  });

  it('time out on a server that accepts but never answers', async () => {
    const silent = createServer(() => {});
    const sockets: Array<{ destroy(): void }> = [];
    silent.on('connection', (socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as AddressInfo;
    const result = await runCheck(check({ type: 'redis', url: `redis://127.0.0.1:${port}`, timeout: '300ms' }));
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => silent.close(() => resolve()));
    expect(result).toMatchObject({ ok: false, summary: 'timed out after 300ms' });
  });
});

describe('command checks', () => {
  it('pass on exit 0 and keep the output tail', async () => {
    const result = await runCheck(
      check({ type: 'command', command: ['sh', '-c', 'echo checking; echo "token=$TOKEN"'], env: { TOKEN: 't0k' } }),
    );
    expect(result).toMatchObject({ ok: true, detail: { type: 'command', exitCode: 0 } });
    expect(result.detail).toMatchObject({ outputTail: 'checking\ntoken=t0k\n' });
    expect(result.summary).toMatch(/^exit 0 in \d+ ms: token=t0k$/);
  });

  it('fail on another exit code', async () => {
    const result = await runCheck(check({ type: 'command', command: ['sh', '-c', 'echo broken >&2; exit 3'] }));
    expect(result).toMatchObject({ ok: false, detail: { exitCode: 3, outputTail: 'broken\n' } });
  });

  it('substitute {service} as one argument, never through a shell', async () => {
    const result = await runCheck(check({ type: 'command', command: ['echo', 'svc={service}'] }), {
      service: 'a b;$(x)',
    });
    expect(result.detail).toMatchObject({ outputTail: 'svc=a b;$(x)\n' });
  });

  it('kill the command at the timeout', async () => {
    const result = await runCheck(check({ type: 'command', command: ['sleep', '30'], timeout: '200ms' }));
    expect(result).toMatchObject({ ok: false, summary: 'timed out after 200ms', detail: { signal: 'SIGKILL' } });
  });

  it('fail clearly when the program does not exist', async () => {
    const result = await runCheck(check({ type: 'command', command: ['./no-such-program'] }));
    expect(result).toMatchObject({ ok: false, summary: './no-such-program: not found' });
  });
});

describe('prometheus checks against a bad endpoint', () => {
  it('fail clearly on a body that is not JSON', async () => {
    const result = await runCheck(check({ type: 'prometheus', url: `${http.url}/html`, query: 'up' }));
    expect(result).toMatchObject({ ok: false, summary: 'Prometheus answered 200 with a body that is not JSON' });
  });

  it('fail clearly when Prometheus is unreachable', async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const result = await runCheck(check({ type: 'slo', url, good: 'a[$window]', total: 'b[$window]', objective: 99 }));
    expect(result).toMatchObject({ ok: false, summary: 'Prometheus: connection refused' });
  });
});
