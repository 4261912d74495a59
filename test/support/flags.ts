import { OFREPProvider } from '@openfeature/ofrep-provider';
import { OpenFeature } from '@openfeature/server-sdk';
import { expect, vi } from 'vitest';
import type { WorkspaceMessage } from '../../src/workspace/state.js';
import { CHANNEL, type Harness, TEST_OPS_YML } from './harness.js';

export const STAGING_TOKEN = 'staging-token-0123456789abcdef';
export const PRODUCTION_TOKEN = 'production-token-0123456789abcdef';

/** The test roles and a `flags:` section as the issue spells it (production needs an approver). */
export const FLAGS_OPS_YML = `${TEST_OPS_YML}
flags:
  environments:
    staging: { token: "\${FLAGS_STAGING_TOKEN}" }
    production: { token: "\${FLAGS_PRODUCTION_TOKEN}" }
  approval:
    production: { from: approver }
  staleAfter: 30d
  role: deployer
`;

export const FLAGS_ENV = { FLAGS_STAGING_TOKEN: STAGING_TOKEN, FLAGS_PRODUCTION_TOKEN: PRODUCTION_TOKEN };

/** A real OpenFeature server client over OFREP, with its own domain so several can coexist in one test. */
export async function openFeatureClient(baseUrl: string, token: string, domain: string) {
  const provider = new OFREPProvider({ baseUrl, headers: [['Authorization', `Bearer ${token}`]] });
  await OpenFeature.setProviderAndWait(domain, provider);
  return OpenFeature.getClient(domain);
}

/** The newest ephemeral message `userId` sees in the test channel whose text starts with `prefix`. */
export function ephemeral(h: Harness, userId: string, prefix: string): Promise<WorkspaceMessage> {
  return vi.waitFor(
    () => {
      const found = (h.slack.state.messages.get(CHANNEL) ?? [])
        .filter((m) => m.ephemeralFor === userId && m.text.startsWith(prefix))
        .at(-1);
      expect(found).toBeDefined();
      return found!;
    },
    { timeout: 10_000, interval: 20 },
  );
}

/** The channel message whose text starts with `prefix` (an approval request), once it says `pattern`. */
export function channelMessage(h: Harness, prefix: string, pattern: RegExp): Promise<WorkspaceMessage> {
  return vi.waitFor(
    () => {
      const found = (h.slack.state.messages.get(CHANNEL) ?? [])
        .filter((m) => !m.ephemeralFor && m.text.startsWith(prefix))
        .at(-1);
      expect(found?.text).toMatch(pattern);
      return found!;
    },
    { timeout: 10_000, interval: 20 },
  );
}

/** POSTs an OFREP request with the token (or none). */
export async function ofrep(
  baseUrl: string,
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: unknown; headers: Headers }> {
  const res = await fetch(`${baseUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {}
  return { status: res.status, body: parsed, headers: res.headers };
}
