import { z } from 'zod';

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/y;

/**
 * Parses a duration to milliseconds: a number (already ms), a string of digits (ms), or one or more
 * `<number><unit>` parts with units ms, s, m, h, d — `500ms`, `2s`, `1.5s`, `5m`, `1h30m`. Returns undefined when
 * the value is not a duration (negative numbers included). Fractions of a millisecond are rounded.
 */
export function parseDuration(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? Math.round(value) : undefined;
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text);
  if (text === '') return undefined;
  let total = 0;
  PART.lastIndex = 0;
  while (PART.lastIndex < text.length) {
    const match = PART.exec(text);
    if (!match) return undefined;
    total += Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
  }
  return Number.isFinite(total) ? Math.round(total) : undefined;
}

/**
 * A duration field in ops.yml, parsed to milliseconds. `min` guards against values that would make Opsdeck busy-loop
 * (a check every 0 ms) or give up instantly (a 0 ms timeout).
 */
export function duration(options: { min?: number } = {}) {
  const min = options.min ?? 1;
  return z
    .union([z.number(), z.string()], { error: 'must be a duration such as 500ms, 2s, 5m or 1h' })
    .transform((value, ctx) => {
      const ms = parseDuration(value);
      if (ms === undefined) {
        ctx.addIssue({ code: 'custom', message: 'must be a duration such as 500ms, 2s, 5m or 1h (or a number of ms)' });
        return z.NEVER;
      }
      if (ms < min) {
        ctx.addIssue({ code: 'custom', message: `must be at least ${formatDuration(min)}` });
        return z.NEVER;
      }
      return ms;
    });
}

/** The shortest exact spelling of `ms` in the largest unit that divides it (`1500` → `1500ms`, `120000` → `2m`). */
export function formatDuration(ms: number): string {
  for (const [unit, size] of [
    ['d', UNIT_MS.d],
    ['h', UNIT_MS.h],
    ['m', UNIT_MS.m],
    ['s', UNIT_MS.s],
  ] as const) {
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}
