import type { Catalog } from '../../config/catalog-schema.js';

/** What a step kind gets to run one step. */
export interface StepContext {
  /** Aborted by Cancel: the step stops what it started. */
  signal: AbortSignal;
  /** Output as it arrives, for the progress message's thread. */
  onOutput(text: string): void;
  catalog: Catalog;
  /** Posts a message in the run's thread (a `say` step). */
  say(text: string): Promise<void>;
}
