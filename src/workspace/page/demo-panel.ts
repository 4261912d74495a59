import { z } from 'zod';

/**
 * The page's Demo panel (issue #20): what local mode offers a newcomer to try with one click — break the demo service,
 * send an alert, start the demo runbook. The workspace server only lists the actions and runs them; what they do is
 * local mode's (src/workspace/local/demo-panel.ts), so a workspace without one (tests, benches) shows no panel.
 */
export interface DemoAction {
  /** Lowercase letters and `-`: the page sends it back to run the action. */
  id: string;
  label: string;
  /** What a click does, in words: the button's tooltip. */
  hint: string;
  /**
   * A command the signed-in person types in `channel` (the page opens it first), exactly as from the composer, so the
   * answer, the permission check and the approval are what that person would get. Absent: `run` does the action.
   */
  command?: { channel: string; text: string };
}

export interface DemoPanel {
  actions: readonly DemoAction[];
  /**
   * Runs an action that has no command; resolves with what to tell the person.
   * @throws DemoActionFailed with a sentence saying what went wrong
   */
  run(id: string): Promise<string>;
}

/** An action that could not be done (Opsdeck refused a webhook, the demo service is not running). */
export class DemoActionFailed extends Error {}

export const demoRunSchema = z.object({ action: z.string().regex(/^[a-z][a-z-]{0,40}$/) });
