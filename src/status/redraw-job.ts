import { z } from 'zod';
import type { JobHandler } from '../platform/capability.js';
import { defineQueue } from '../platform/queue.js';
import type { Services } from '../platform/services.js';
import { countChecks, type DrawDeps, drawRequest, EDIT_INTERVAL_MS, progressOf } from './draw.js';
import { QUIET_EDITS, worthRedrawing } from './rules.js';

const redrawJob = z.object({
  requestId: z.string().min(1).max(200),
  /** When to draw (ms since the epoch); also makes the job's id, one per redraw slot. */
  due: z.number().int(),
});
type RedrawJob = z.output<typeof redrawJob>;

/** A trailing draw of a `/ops status` message: what arrived after the last draw shows even if no result follows. */
export const redrawQueue = defineQueue<RedrawJob>({
  name: 'status-redraw',
  schema: redrawJob,
  jobId: (data) => `redraw-${data.requestId}-${data.due}`,
  attempts: 3,
  backoff: { type: 'fixed', delayMs: 500 },
  onStall: 'rerun',
  dedupeTtlSeconds: 3600,
});

export function redrawHandler(deps: DrawDeps & Pick<Services, 'now'>): JobHandler<RedrawJob> {
  return {
    queue: redrawQueue,
    async process(data, ctx) {
      const wait = data.due - deps.now().getTime();
      if (wait > 0) await ctx.later(wait);
      const state = await deps.store.progress(data.requestId);
      if (!state.request) return { gone: true };
      const now = deps.now().getTime();
      const progress = progressOf(state, countChecks(deps.catalog, state.request.service), now);
      // The last result draws the complete message itself.
      if (progress.done >= progress.total) return { complete: true };
      // Near the end: wait until the last draw is QUIET_EDITS intervals old (or the last result has drawn).
      if (!worthRedrawing(progress, EDIT_INTERVAL_MS)) {
        await ctx.later(QUIET_EDITS * EDIT_INTERVAL_MS - (progress.sinceDrawMs ?? 0));
      }
      await drawRequest(deps, data.requestId, now);
      return { drawn: progress.done };
    },
  };
}
