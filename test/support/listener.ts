import { defineCapability } from '../../src/platform/capability.js';
import type { WorkspaceApp } from '../../src/workspace/app-manifest.js';

/**
 * A throwaway capability that records the pin_added / reaction_added events and the message shortcut Opsdeck hands
 * it, so workspace tests check their payloads against the real receiving stack (Bolt, the router), not only against
 * fixtures. `app` is what it declares, for `startHarness({ app })`.
 */
export function startListener() {
  const heard: Array<{ kind: string; data: Record<string, unknown> }> = [];
  const waiters: Array<() => void> = [];
  const hear = (kind: string, data: Record<string, unknown>) => {
    heard.push({ kind, data });
    for (const wake of waiters.splice(0)) wake();
  };
  const capability = defineCapability({
    name: 'listener',
    title: 'Listener',
    uses: [],
    build: () => ({
      events: [
        { type: 'pin_added', run: async (event) => hear('pin_added', event) },
        { type: 'reaction_added', run: async (event) => hear('reaction_added', event) },
      ],
      shortcuts: [
        {
          callbackId: 'listen_to_message',
          changes: false,
          async run(ctx) {
            hear('shortcut', { ...ctx });
          },
        },
      ],
    }),
  });
  const app: Partial<WorkspaceApp> = {
    botEvents: ['pin_added', 'reaction_added'],
    shortcuts: [{ name: 'Listen', type: 'message', callbackId: 'listen_to_message', description: 'Listen to it' }],
  };
  return {
    capability,
    app,
    heard,
    /** Resolves once it heard a matching thing (handlers run after Bolt's ack, so the sender cannot know when). */
    heardOne(kind: string, match: (d: Record<string, unknown>) => boolean = () => true) {
      return new Promise<Record<string, unknown>>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`nothing heard: ${kind}`)), 10_000);
        const check = () => {
          const hit = heard.find((h) => h.kind === kind && match(h.data));
          if (!hit) return void waiters.push(check);
          clearTimeout(timer);
          resolve(hit.data);
        };
        check();
      });
    },
  };
}
