import type { Queue } from 'bullmq';
import type { JobHandler } from '../platform/capability.js';

/**
 * Makes each queue's BullMQ job schedulers exactly what its handler declares (`schedules()`): new or changed ones are
 * upserted, ones no longer declared (a check removed from ops.yml) removed. BullMQ runs a scheduler's job once per
 * interval however many workers there are.
 */
export async function syncSchedules(
  handlers: readonly JobHandler<unknown>[],
  queueOf: (name: string) => Queue,
): Promise<void> {
  for (const handler of handlers) {
    if (!handler.schedules) continue;
    const queue = queueOf(handler.queue.name);
    const wanted = handler.schedules();
    const ids = new Set(wanted.map((schedule) => schedule.id));
    for (const existing of await queue.getJobSchedulers(0, -1)) {
      const id = existing.key;
      if (!ids.has(id)) await queue.removeJobScheduler(id);
    }
    for (const schedule of wanted) {
      await queue.upsertJobScheduler(
        schedule.id,
        { every: schedule.everyMs },
        {
          name: handler.queue.name,
          data: handler.queue.schema.parse(schedule.data),
          opts: { attempts: 1, removeOnComplete: true, removeOnFail: { count: 100 } },
        },
      );
    }
  }
}
