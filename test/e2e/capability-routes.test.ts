import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { CAPABILITIES } from '../../src/capabilities.js';
import { defineCapability, type RouteResponse, route, webhook } from '../../src/platform/capability.js';
import { type Harness, startHarness } from '../support/harness.js';

const WEBHOOK_TOKEN = 'shared-webhook-token-0123456789';
/** The throwaway capability's own tokens, each selecting an environment (as OFREP's do). */
const STAGING_TOKEN = 'gadget-staging-token';
const PRODUCTION_TOKEN = 'gadget-production-token';

const GadgetSchema = z.object({ name: z.string().min(1), size: z.number().int().positive() });

/**
 * A throwaway capability, declared here and nowhere else: synchronous routes with path parameters and its own bearer
 * tokens, a public route and a webhook. Everything around `handle` is the platform's.
 */
const gadgets = defineCapability({
  name: 'gadgets',
  title: 'Gadgets',
  uses: ['redis', 'key'],
  build: (services) => {
    const tokens = () => [
      { token: STAGING_TOKEN, selects: 'staging' },
      { token: PRODUCTION_TOKEN, selects: 'production' },
    ];
    return {
      routes: [
        route({
          method: 'GET',
          path: '/gadgets/v1/:env/items/:id',
          auth: { bearer: tokens },
          handle(request): RouteResponse {
            const body = { id: request.params.id, env: request.params.env, token: request.selected };
            const etag = `"${createHash('sha256').update(JSON.stringify(body)).digest('hex').slice(0, 16)}"`;
            if (request.headers['if-none-match'] === etag) return { status: 304, headers: { etag } };
            return { status: 200, headers: { etag, 'cache-control': 'no-cache' }, body };
          },
        }),
        route({
          method: 'GET',
          path: '/gadgets/v1/:env/items/special',
          auth: 'none',
          handle: (request) => ({ status: 200, body: { special: true, env: request.params.env } }),
        }),
        route({
          method: 'POST',
          path: '/gadgets/v1/:env/items/:id',
          auth: { bearer: tokens },
          body: GadgetSchema,
          maxBodyBytes: 1024,
          async handle(request) {
            if (request.body.name === 'explode') throw new Error('kaboom with a secret inside');
            return { status: 201, body: { id: request.params.id, ...request.body, env: request.selected } };
          },
        }),
        route({
          method: 'POST',
          path: '/gadgets/v1/strict',
          auth: 'none',
          body: GadgetSchema,
          invalid: (problem) => ({ status: 400, body: { errorCode: 'INVALID', field: problem.field } }),
          handle: () => ({ status: 204 }),
        }),
        webhook({
          path: 'gadgets',
          schema: GadgetSchema,
          async handle(body) {
            await services.redis.rpush(services.key('received'), body.name);
            return { status: 202, body: { queued: body.name } };
          },
        }),
      ],
    };
  },
});

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ env: { WEBHOOK_TOKEN }, capabilities: [...CAPABILITIES, gadgets] });
});
afterAll(() => h.close());

const call = (path: string, init: RequestInit & { token?: string } = {}) =>
  fetch(`${h.opsdeck.url}${path}`, {
    ...init,
    headers: {
      ...(init.token && { authorization: `Bearer ${init.token}` }),
      ...(init.body !== undefined && { 'content-type': 'application/json' }),
      ...(init.headers as Record<string, string>),
    },
  });

describe('a route a capability declares', () => {
  it('gets its path parameters, decoded, and what its token selects', async () => {
    const res = await call('/gadgets/v1/eu/items/new%20ui', { token: PRODUCTION_TOKEN });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(res.headers.get('cache-control')).toBe('no-cache');
    expect(await res.json()).toEqual({ id: 'new ui', env: 'eu', token: 'production' });
    const staging = await call('/gadgets/v1/eu/items/a', { token: STAGING_TOKEN });
    expect(((await staging.json()) as { token: string }).token).toBe('staging');
  });

  it('sees request headers and sets response headers: ETag, then 304 with no body', async () => {
    const first = await call('/gadgets/v1/eu/items/a', { token: STAGING_TOKEN });
    const etag = first.headers.get('etag')!;
    expect(etag).toMatch(/^"[0-9a-f]{16}"$/);
    const again = await call('/gadgets/v1/eu/items/a', { token: STAGING_TOKEN, headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
    expect(again.headers.get('etag')).toBe(etag);
    expect(await again.text()).toBe('');
  });

  it('refuses a missing, wrong or shared-webhook token with 401 before the handler runs', async () => {
    expect((await call('/gadgets/v1/eu/items/a')).status).toBe(401);
    const wrong = await call('/gadgets/v1/eu/items/a', { token: `${PRODUCTION_TOKEN}x` });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('www-authenticate')).toBe('Bearer');
    expect((await call('/gadgets/v1/eu/items/a', { token: WEBHOOK_TOKEN })).status).toBe(401);
    expect((await call('/gadgets/v1/eu/items/a', { headers: { authorization: PRODUCTION_TOKEN } })).status).toBe(401);
  });

  it('prefers a literal segment over a parameter, and serves auth: none to anyone', async () => {
    const res = await call('/gadgets/v1/eu/items/special');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ special: true, env: 'eu' });
  });

  it('parses and validates the JSON body: 400 for non-JSON, 422 naming the field, 413 past the cap', async () => {
    const path = '/gadgets/v1/eu/items/a';
    const ok = await call(path, { method: 'POST', token: STAGING_TOKEN, body: JSON.stringify({ name: 'g', size: 2 }) });
    expect(ok.status).toBe(201);
    expect(await ok.json()).toEqual({ id: 'a', name: 'g', size: 2, env: 'staging' });
    const notJson = await call(path, { method: 'POST', token: STAGING_TOKEN, body: '{"name": ' });
    expect(notJson.status).toBe(400);
    expect(await notJson.json()).toEqual({ error: 'invalid_json' });
    const bad = await call(path, {
      method: 'POST',
      token: STAGING_TOKEN,
      body: JSON.stringify({ name: 'g', size: -1 }),
    });
    expect(bad.status).toBe(422);
    expect(await bad.json()).toMatchObject({ error: 'invalid_body', field: 'size' });
    const big = await call(path, {
      method: 'POST',
      token: STAGING_TOKEN,
      body: JSON.stringify({ name: 'x'.repeat(2000), size: 1 }),
    });
    expect(big.status).toBe(413);
    // Sent in chunks with no length declared: counted as it arrives, refused once past the cap.
    const chunks = new ReadableStream({
      start(controller) {
        for (let i = 0; i < 4; i++) controller.enqueue(new TextEncoder().encode('x'.repeat(400)));
        controller.close();
      },
    });
    const streamed = await call(path, {
      method: 'POST',
      token: STAGING_TOKEN,
      body: chunks,
      duplex: 'half',
    } as RequestInit);
    expect(streamed.status).toBe(413);
    // Unauthenticated: refused before the body is read or parsed.
    expect((await call(path, { method: 'POST', body: '{' })).status).toBe(401);
  });

  it('lets a protocol shape its own 4xx for a bad body', async () => {
    const bad = await call('/gadgets/v1/strict', { method: 'POST', body: JSON.stringify({ name: '' }) });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ errorCode: 'INVALID', field: 'name' });
    expect((await call('/gadgets/v1/strict', { method: 'POST', body: 'nope' })).status).toBe(400);
    const ok = await call('/gadgets/v1/strict', { method: 'POST', body: JSON.stringify({ name: 'a', size: 1 }) });
    expect(ok.status).toBe(204);
  });

  it('answers 405 with Allow for another method, 404 for an unknown path', async () => {
    const res = await call('/gadgets/v1/eu/items/a', { method: 'DELETE', token: STAGING_TOKEN });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET, POST');
    expect((await call('/gadgets/v1/eu/nothing/a', { token: STAGING_TOKEN })).status).toBe(404);
    expect((await call('/gadgets/v1/eu/items/a/b', { token: STAGING_TOKEN })).status).toBe(404);
  });

  it('maps a thrown error to a 500 with a reference, never the error', async () => {
    const res = await call('/gadgets/v1/eu/items/a', {
      method: 'POST',
      token: STAGING_TOKEN,
      body: JSON.stringify({ name: 'explode', size: 1 }),
    });
    expect(res.status).toBe(500);
    const text = await res.text();
    expect(JSON.parse(text)).toEqual({ error: 'internal_error', reference: expect.stringMatching(/^E-[0-9A-F]{6}$/) });
    expect(text).not.toContain('kaboom');
  });

  it('is counted per declared route, method and status', async () => {
    const metrics = await fetch(`${h.opsdeck.url}/metrics`).then((r) => r.text());
    expect(metrics).toMatch(
      /opsdeck_http_requests_total\{route="\/gadgets\/v1\/:env\/items\/:id",method="GET",status="200"\} [1-9]/,
    );
    expect(metrics).toMatch(
      /opsdeck_http_requests_total\{route="\/gadgets\/v1\/:env\/items\/:id",method="GET",status="401"\} [1-9]/,
    );
    expect(metrics).toMatch(/opsdeck_http_requests_total\{route="unmatched",method="GET",status="404"\} [1-9]/);
  });
});

describe('a webhook a capability declares', () => {
  it('takes the shared WEBHOOK_TOKEN and answers 202 once the body is stored', async () => {
    const res = await call('/webhooks/gadgets', {
      method: 'POST',
      token: WEBHOOK_TOKEN,
      body: JSON.stringify({ name: 'hooked', size: 3 }),
    });
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ queued: 'hooked' });
    expect((await call('/webhooks/gadgets', { method: 'POST', token: STAGING_TOKEN, body: '{}' })).status).toBe(401);
    expect((await call('/webhooks/gadgets', { token: WEBHOOK_TOKEN })).status).toBe(405);
  });
});

describe('routes the platform refuses to register', () => {
  it('two capabilities may not declare the same method and path shape, nor the platform’s own paths', async () => {
    const { Registry } = await import('../../src/platform/registry.js');
    const { buildCapability } = await import('../../src/platform/capability.js');
    const one = (name: string, path: string) =>
      buildCapability(
        defineCapability({
          name,
          title: name,
          uses: [],
          build: () => ({ routes: [route({ method: 'GET', path, auth: 'none', handle: () => ({ status: 200 }) })] }),
        }),
        {} as never,
      );
    expect(() => new Registry([one('a', '/x/:key'), one('b', '/x/:name')])).toThrow(
      'route GET /x/: is declared by both a and b',
    );
    expect(() => one('c', '/healthz')).toThrow("route path /healthz is the platform's own");
    expect(() => one('d', '/slack/events')).toThrow("route path /slack/events is the platform's own");
  });
});
