import type { Catalog } from '../../config/catalog-schema.js';
import type { StepResult } from '../rules.js';
import type { StepAction } from '../run.js';

/** What a step kind gets to run one step. */
export interface StepContext {
  /** Aborted by Cancel: the step stops what it started. */
  signal: AbortSignal;
  /** Output as it arrives, for the progress message's thread. */
  onOutput(text: string): void;
  catalog: Catalog;
  /** Posts a message in the run's thread (a `say` step). */
  say(text: string): Promise<void>;
  /** Changes a flag as the run's requester, through flags' rules (a `flag` step). */
  flag(action: Extract<StepAction, { kind: 'flag' }>): Promise<StepResult>;
}
