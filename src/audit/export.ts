import type { AuditEntry, AuditLog } from '../platform/audit-log.js';

/** What an export wrote: how many entries, and the id of the last one (pass it as `after` next time). */
export interface AuditExportResult {
  count: number;
  last?: string;
}

/**
 * One JSON object per line, oldest first, for a SIEM to ingest (Splunk, Elastic, Loki and the like read JSON lines):
 * `{"id","at","actor","action","target","outcome","detail"?,"hash","prev"}`. `at` is ISO 8601 UTC; `id` is the
 * stream id, increasing, so a collector that stores the last one resumes with `after` and never duplicates.
 * `hash`/`prev` let the receiver check the chain itself.
 */
export function auditLine(entry: AuditEntry): string {
  const { id, at, actor, action, target, outcome, detail, hash, prev } = entry;
  return `${JSON.stringify({ id, at, actor, action, target, outcome, ...(detail ? { detail } : {}), hash, prev })}\n`;
}

/**
 * Writes the log's entries after stream id `after` (all kept entries when absent) as JSON lines. `write` may return
 * a promise to apply back-pressure (a slow pipe).
 */
export async function exportAudit(
  audit: AuditLog,
  write: (line: string) => void | Promise<void>,
  after?: string,
): Promise<AuditExportResult> {
  let count = 0;
  let last: string | undefined;
  for await (const entry of audit.entries(after)) {
    await write(auditLine(entry));
    count++;
    last = entry.id;
  }
  return { count, ...(last ? { last } : {}) };
}
