import { parse } from 'yaml';
import { z } from 'zod';

/**
 * What the workspace needs to know of the app installed in it, as its Slack app manifest declares it: the slash
 * commands it owns (and whether Slack escapes their text), its shortcuts, and the events it subscribed to.
 */
export interface WorkspaceApp {
  commands: Array<{ command: string; shouldEscape: boolean }>;
  shortcuts: Array<{ name: string; type: 'message' | 'global'; callbackId: string; description: string }>;
  /** `settings.event_subscriptions.bot_events`: Slack delivers only these events. */
  botEvents: string[];
}

const manifestSchema = z.object({
  features: z
    .object({
      slash_commands: z
        .array(z.object({ command: z.string(), should_escape: z.boolean().optional() }))
        .optional()
        .default([]),
      shortcuts: z
        .array(
          z.object({
            name: z.string(),
            type: z.enum(['message', 'global']),
            callback_id: z.string(),
            description: z.string(),
          }),
        )
        .optional()
        .default([]),
    })
    .optional()
    .default({ slash_commands: [], shortcuts: [] }),
  settings: z
    .object({
      event_subscriptions: z.object({ bot_events: z.array(z.string()).optional().default([]) }).optional(),
    })
    .optional(),
});

/** The app a manifest (YAML, as manifest.yml) declares. Throws naming the path of what is malformed. */
export function appFromManifest(yamlText: string): WorkspaceApp {
  const result = manifestSchema.safeParse(parse(yamlText));
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new Error(`app manifest: ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`);
  }
  const { features, settings } = result.data;
  return {
    // Slack's default for should_escape is false: text arrives as typed.
    commands: features.slash_commands.map((c) => ({ command: c.command, shouldEscape: c.should_escape ?? false })),
    shortcuts: features.shortcuts.map((s) => ({
      name: s.name,
      type: s.type,
      callbackId: s.callback_id,
      description: s.description,
    })),
    botEvents: settings?.event_subscriptions?.bot_events ?? [],
  };
}
