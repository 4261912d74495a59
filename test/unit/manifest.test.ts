import { readFileSync } from 'node:fs';
import { join } from 'node:path';
// Named import: under NodeNext the default import of this CommonJS package types as the module, not the class.
import { Ajv, type ValidateFunction } from 'ajv';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { registryOf } from '../support/registry.js';
import { fixturePath, repoRoot } from '../support/repo.js';

/**
 * The manifest a team pastes into Slack must be one Slack accepts. Slack publishes the JSON Schema it checks
 * manifests against (slackapi/manifest-schema); a copy lives in test/fixtures/slack-manifest-schema/ (its SOURCES.md
 * and licence beside it).
 */

/** Where manifest.schema.json's `$ref`s point; the version files carry no `$id`, so they are registered under these. */
const VERSION_SCHEMA_URLS: Record<string, string> = {
  'manifest.schema.1.0.0.json':
    'https://raw.githubusercontent.com/slackapi/manifest-schema/v0.5.0/schemas/manifest.schema.1.0.0.json',
  'manifest.schema.2.0.0.json':
    'https://raw.githubusercontent.com/slackapi/manifest-schema/v0.5.0/schemas/manifest.schema.2.0.0.json',
};

type Manifest = {
  display_information: { name: string; description?: string; long_description?: string; background_color?: string };
  features: {
    slash_commands: { command: string; url?: string; usage_hint?: string; should_escape?: boolean }[];
    shortcuts?: { type: string; callback_id: string }[];
    app_home: Record<string, boolean>;
    bot_user: { display_name: string; always_online?: boolean };
  };
  oauth_config: { scopes: { bot: string[]; user?: string[] } };
  settings: {
    event_subscriptions: { request_url?: string; bot_events: string[] };
    interactivity: { is_enabled: boolean; request_url?: string };
    socket_mode_enabled: boolean;
    org_deploy_enabled: boolean;
    token_rotation_enabled: boolean;
  };
};

function readJson(file: string): Record<string, unknown> {
  return JSON.parse(readFileSync(fixturePath(`slack-manifest-schema/${file}`), 'utf8')) as Record<string, unknown>;
}

function compileSlackSchema(): ValidateFunction {
  // strict: false — Slack's schema carries annotations ajv does not know (`_note`) and keywords on types that do not
  // use them (`minItems` on a string). `regex` (their spelling of `pattern` for background_color) is given its
  // evident meaning rather than ignored, so a bad colour fails here as it would in Slack.
  const ajv = new Ajv({ strict: false, allErrors: true, formats: { uri: (s: string) => URL.canParse(s) } });
  ajv.addKeyword({
    keyword: 'regex',
    type: 'string',
    schemaType: 'string',
    validate: (re: string, data: string) => new RegExp(re).test(data),
  });
  for (const [file, url] of Object.entries(VERSION_SCHEMA_URLS)) ajv.addSchema(readJson(file), url);
  return ajv.compile(readJson('manifest.schema.json'));
}

function loadManifest(): Manifest {
  return parse(readFileSync(join(repoRoot, 'manifest.yml'), 'utf8')) as Manifest;
}

function errorsOf(validate: ValidateFunction): string {
  return (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? e.keyword}`).join('\n');
}

describe('manifest.yml', () => {
  const validate = compileSlackSchema();

  it("is accepted by Slack's published app-manifest schema", () => {
    const manifest = loadManifest();
    const ok = validate(manifest);
    expect(errorsOf(validate)).toBe('');
    expect(ok).toBe(true);
  });

  it('is rejected when it breaks the schema, so the check above can fail', () => {
    const cases: [string, (m: Manifest) => void][] = [
      [
        'a 40-character name',
        (m) => {
          m.display_information.name = 'O'.repeat(40);
        },
      ],
      [
        'a short long_description',
        (m) => {
          m.display_information.long_description = 'Too short.';
        },
      ],
      [
        'a colour that is not #rrggbb',
        (m) => {
          m.display_information.background_color = 'navy';
        },
      ],
      [
        'a command without a slash',
        (m) => {
          m.features.slash_commands[0]!.command = 'ops';
        },
      ],
      ['an unknown top-level key', (m) => Object.assign(m, { bogus: true })],
    ];
    for (const [label, breakIt] of cases) {
      const manifest = loadManifest();
      breakIt(manifest);
      expect(validate(manifest), label).toBe(false);
    }
    const manifest = loadManifest();
    manifest.display_information.name = 'O'.repeat(40);
    validate(manifest);
    expect(validate.errors).toContainEqual(
      expect.objectContaining({ instancePath: '/display_information/name', keyword: 'maxLength' }),
    );
  });

  it('declares the one /ops slash command, with the subcommands that exist', () => {
    const { features } = loadManifest();
    expect(features.slash_commands.map((c) => c.command)).toEqual(['/ops']);
    const [ops] = features.slash_commands;
    // Escaped mentions carry user IDs (`/ops incident lead @bob`).
    expect(ops!.should_escape).toBe(true);
    // Slack caps usage_hint at 1,000 characters: every subcommand family is named, the whole usage is /ops help's.
    for (const { words } of registryOf().subcommands) {
      expect(ops!.usage_hint).toMatch(new RegExp(`(^|\\| )${words[0]}\\b`));
    }
    // Every shortcut is one a capability handles: Slack would show users a shortcut that errors otherwise.
    const handled = registryOf().capabilities.flatMap((c) => c.shortcuts.map((s) => s.callbackId));
    expect((features.shortcuts ?? []).map((s) => s.callback_id)).toEqual(handled);
    expect(features.bot_user).toEqual({ display_name: 'opsdeck', always_online: true });
    expect(features.app_home).toEqual({
      home_tab_enabled: true,
      messages_tab_enabled: true,
      messages_tab_read_only_enabled: true,
    });
  });

  it('asks for least-privilege bot scopes only', () => {
    const { oauth_config, settings } = loadManifest();
    const bot = oauth_config.scopes.bot;
    expect(new Set(bot).size).toBe(bot.length);
    // Opsdeck administers nothing, and reads channel history only to find its own post after a crash (never DMs').
    expect(bot.filter((s) => s.startsWith('admin') || s === 'im:history' || s === 'mpim:history')).toEqual([]);
    expect(oauth_config.scopes.user ?? []).toEqual([]);
    // Exactly what this version calls: the slash command, replies and the Home tab, user-group lookups, and the
    // incidents' channels, pins, pinned/:pushpin:ed messages and postmortem files.
    expect([...bot].sort()).toEqual([
      'channels:history',
      'channels:manage',
      'channels:read',
      'chat:write',
      'commands',
      'files:write',
      'groups:history',
      'pins:read',
      'pins:write',
      'reactions:read',
      'usergroups:read',
    ]);
    expect(settings.event_subscriptions.bot_events).toEqual(['app_home_opened', 'pin_added', 'reaction_added']);
  });

  it('points every Slack request at the one HTTP endpoint, with Socket Mode and org/rotation features off', () => {
    const { features, settings } = loadManifest();
    const urls = [
      ...features.slash_commands.map((c) => c.url),
      settings.event_subscriptions.request_url,
      settings.interactivity.request_url,
    ];
    expect(new Set(urls)).toEqual(new Set(['https://opsdeck.example.com/slack/events']));
    expect(settings.interactivity.is_enabled).toBe(true);
    expect(settings.socket_mode_enabled).toBe(false);
    expect(settings.org_deploy_enabled).toBe(false);
    expect(settings.token_rotation_enabled).toBe(false);
  });
});
