import { describe, expect, it } from 'vitest';
import { capturingLogger } from '../support/logs.js';

const BOT = 'xoxb-1234-5678-abcdefghij';

describe('log redaction', () => {
  it('blanks secret keys at any depth, in arrays too', () => {
    const { logger, lines } = capturingLogger();
    logger.info(
      {
        payload: { a: { b: { c: { d: { e: { token: 'plain-secret', signingSecret: 's3cr3t-value' } } } } } },
        deploys: [{ provider: 'github', GITHUB_TOKEN: 'ghp_abcdef', headers: { Authorization: 'Bearer abc' } }],
        request: { headers: { 'x-slack-signature': 'v0=deadbeef' } },
        config: { redis: { password: 'pw-123456' } },
      },
      'nested',
    );
    const text = JSON.stringify(lines[0]);
    for (const secret of ['plain-secret', 's3cr3t-value', 'ghp_abcdef', 'Bearer abc', 'v0=deadbeef', 'pw-123456']) {
      expect(text).not.toContain(secret);
    }
    expect(lines[0]).toMatchObject({
      payload: { a: { b: { c: { d: { e: { token: '[redacted]', signingSecret: '[redacted]' } } } } } },
      deploys: [{ provider: 'github', GITHUB_TOKEN: '[redacted]', headers: { Authorization: '[redacted]' } }],
    });
  });

  it("blanks every value of a command's env map, keeping the names", () => {
    const { logger, lines } = capturingLogger();
    logger.info({ command: { argv: ['./deploy.sh', 'api'], env: { DEPLOY_KEY: 'k-123456', REGION: 'eu' } } }, 'run');
    expect(lines[0]!.command).toEqual({
      argv: ['./deploy.sh', 'api'],
      env: { DEPLOY_KEY: '[redacted]', REGION: '[redacted]' },
    });
  });

  it('scrubs Slack token shapes from messages, strings and errors', () => {
    const { logger, lines } = capturingLogger();
    logger.info({ note: `used ${BOT}` }, `calling with ${BOT}`);
    logger.warn({ err: new Error(`invalid_auth for ${BOT}`) }, 'failed');
    logger.child({ client: { botToken: BOT } }).info('child');
    const text = JSON.stringify(lines);
    expect(text).not.toContain(BOT);
    expect(lines[1]).toMatchObject({ err: { message: 'invalid_auth for [redacted]' } });
    expect(lines[2]).toMatchObject({ client: { botToken: '[redacted]' } });
  });

  it('logs a circular object without looping', () => {
    const { logger, lines } = capturingLogger();
    const loop: Record<string, unknown> = { name: 'loop' };
    loop.self = loop;
    logger.info({ loop }, 'circular');
    expect(lines[0]).toMatchObject({ loop: { name: 'loop', self: '[circular]' } });
  });
});
