import { afterEach, describe, expect, it } from 'vitest';
import type { WorkspaceApp } from '../../../src/workspace/app-manifest.js';
import { startWorkspace, type WorkspaceFixture } from './fixture.js';

/**
 * A slash command's `should_escape` (manifest.yml): false sends the text as typed; true makes Slack turn `@name` and
 * `#channel` of known users and channels into `<@U…|name>` / `<#C…|name>` before the app sees them.
 */

let workspace: WorkspaceFixture;
afterEach(() => workspace.close());

const app = (shouldEscape: boolean): WorkspaceApp => ({
  commands: [
    { command: '/ops', shouldEscape },
    { command: '/other', shouldEscape: !shouldEscape },
  ],
  shortcuts: [],
  botEvents: [],
});

async function textReceived(shouldEscape: boolean, text: string, command = '/ops'): Promise<unknown> {
  workspace = await startWorkspace('escape-secret', 'xoxb-escape', Date.now, { app: app(shouldEscape) });
  await workspace.server.sendCommand({ userId: 'U1', channelId: 'C1', command, text });
  return workspace.bot.requests.at(-1)?.parsed.text;
}

const TYPED = 'page @bob and @carol in #ops #nowhere, cc @here (@alice) mail bob@example.com';

describe('should_escape', () => {
  it('false: the text arrives exactly as typed', async () => {
    expect(await textReceived(false, TYPED)).toBe(TYPED);
  });

  it('true: known users and channels arrive escaped, the rest as typed', async () => {
    expect(await textReceived(true, TYPED)).toBe(
      'page <@U2|bob> and @carol in <#C1|ops> #nowhere, cc <!here> (<@U1|alice>) mail bob@example.com',
    );
  });

  it('is per command, as declared', async () => {
    expect(await textReceived(false, 'to @bob', '/other')).toBe('to <@U2|bob>');
  });
});
