import { z } from 'zod';

/** A regular expression written in ops.yml, as its source; an invalid one is an error at load, not at first use. */
export function regexSource() {
  return z.string().refine(
    (source) => {
      try {
        new RegExp(source);
        return true;
      } catch {
        return false;
      }
    },
    { error: 'must be a valid regular expression' },
  );
}

/**
 * A pattern that must match the whole value: `v[0-9.]+` alone would accept `--upload-pack=x v1`. Wrapping in a
 * non-capturing group anchors every alternative (`^a|b$` anchors neither side of the other).
 */
export function anchored(source: string): string {
  return `^(?:${source})$`;
}

/** The pattern as written in ops.yml, for messages: `anchored`'s wrapper taken off again. */
export function asWritten(pattern: string): string {
  const inner = /^\^\(\?:([\s\S]*)\)\$$/.exec(pattern)?.[1];
  return inner ?? pattern;
}
