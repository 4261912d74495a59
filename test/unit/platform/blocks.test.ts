import { describe, expect, it } from 'vitest';
import { auditMessage } from '../../../src/audit/messages.js';
import { helpOverview, subcommandHelp } from '../../../src/bot/help.js';
import { homeView } from '../../../src/bot/home.js';
import { deniedMessage, failureMessage, usageMessage } from '../../../src/bot/router/replies.js';
import { deploysHome } from '../../../src/deploys/messages.js';
import { PermissionDenied, UsageError } from '../../../src/errors.js';
import { pingReply } from '../../../src/ping/messages.js';
import type { AuditEntry } from '../../../src/platform/audit-log.js';
import { escapeText } from '../../../src/platform/mrkdwn.js';
import { checkBlocks } from '../../../src/workspace/web-api/block-rules.js';
import { registryOf } from '../../support/registry.js';

const entry = (n: number, detail?: string): AuditEntry => ({
  id: `${n}-0`,
  at: new Date(Date.UTC(2026, 10, 22, 10, 0, n % 60)).toISOString(),
  actor: 'U0ALICE',
  action: 'deploy.request',
  target: `api@1.0.${n} <script>`,
  outcome: 'ok',
  detail,
  hash: 'h',
  prev: 'p',
});

/** Every message Opsdeck builds must pass Slack's Block Kit rules, as the Slack-compatible server enforces them. */
describe('message builders keep to Slack’s Block Kit limits', () => {
  const registry = registryOf();
  const messages = {
    help: helpOverview(registry, '/ops'),
    helpAudit: subcommandHelp(registry.subcommandsFor('audit'), '/ops'),
    usage: usageMessage(new UsageError('nope', '/ops help\n/ops ping')),
    denied: deniedMessage(new PermissionDenied('admin')),
    failure: failureMessage('running /ops ping', 'E-ABC123'),
    emptyAudit: auditMessage([]),
    fullAudit: auditMessage(Array.from({ length: 50 }, (_, n) => entry(n, 'x'.repeat(400)))),
    pong: pingReply({ workerId: 'host:1', queueLatencyMs: 3, attempt: 2 }),
  };

  it.each(Object.entries(messages))('%s', (_name, message) => {
    expect(message.text.length).toBeGreaterThan(0);
    expect(checkBlocks(message.blocks, 'message')).toBeNull();
  });

  it('the Home tab', async () => {
    expect(checkBlocks((await homeView(registry, '/ops', 'U0CAROL')).blocks, 'home')).toBeNull();
  });

  it('the deploys Home section, however many services', () => {
    const rows = Array.from({ length: 300 }, (_, n) => ({
      service: `svc-${n}`,
      environment: 'production',
      current: '1.0.0',
      latest: { id: String(n), version: '1.0.1', status: 'failed' as const },
    }));
    expect(checkBlocks(deploysHome(rows), 'home')).toBeNull();
    expect(deploysHome([])).toEqual([]);
  });

  it('escapes user-controlled text in mrkdwn', () => {
    expect(escapeText('<!channel> & <@U1>')).toBe('&lt;!channel&gt; &amp; &lt;@U1&gt;');
    // Audit targets are plain_text: shown as typed, never read as markup.
    const fields = messages.fullAudit.blocks.flatMap(
      (block) => (block.fields ?? []) as { type: string; text: string }[],
    );
    const typed = fields.filter((field) => field.text.includes('<script>'));
    expect(typed).toHaveLength(50);
    expect(typed.every((field) => field.type === 'plain_text')).toBe(true);
  });

  it('offers "Ping again" on a pong and says when a worker was lost', () => {
    const text = JSON.stringify(messages.pong.blocks);
    expect(text).toContain('"action_id":"ping_again"');
    expect(text).toContain('Delivered on attempt 2');
  });
});
