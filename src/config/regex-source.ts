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
