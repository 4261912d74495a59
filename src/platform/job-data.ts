import { UnrecoverableError } from 'bullmq';
import type { z } from 'zod';

/** Job data that does not match its schema will never succeed: fail the job once instead of retrying it. */
export function parseJobData<T>(schema: z.ZodType<T>, data: unknown): T {
  const result = schema.safeParse(data);
  if (!result.success) {
    const where = result.error.issues.map((issue) => issue.path.join('.') || '(root)').join(', ');
    throw new UnrecoverableError(`invalid job data at ${where}`);
  }
  return result.data;
}
