import { GrammarError, type Part, pairs } from '../../platform/grammar/index.js';

/** The `dry-run` word that may end `/ops run` and `/ops experiment`. */
export const DRY_RUN = 'dry-run';

/**
 * `[param=value…] [dry-run]`: the runbook's parameters as `key=value` tokens, and `dry-run` as the last word. Values
 * are checked against the runbook's own parameters after parsing (params.ts); here only the shape.
 */
export function paramsAndDryRun(): Part<'params', { params: Record<string, string>; dryRun: boolean }, true> {
  const inner = pairs('params');
  return {
    name: 'params',
    shape: 'pairs',
    optional: false,
    usage: '[param=value…] [dry-run]',
    expected: 'param=value pairs, then optionally dry-run',
    description: 'The runbook’s parameters; `dry-run` shows what would run and runs nothing',
    read(tokens) {
      const last = tokens.at(-1);
      const dryRun = last !== undefined && !last.quoted && !last.pair && last.text.toLowerCase() === DRY_RUN;
      const rest = dryRun ? tokens.slice(0, -1) : tokens;
      const stray = rest.find((token) => !token.pair || token.quoted);
      if (stray)
        throw new GrammarError(`unexpected \`${stray.raw.slice(0, 40)}\` (expected param=value or ${DRY_RUN})`);
      return { params: inner.read(rest), dryRun };
    },
  };
}

/** `[dry-run]` alone, for commands without parameters. */
export function dryRunOnly(): Part<'dryRun', boolean, true> {
  return {
    name: 'dryRun',
    shape: 'pairs',
    optional: false,
    usage: `[${DRY_RUN}]`,
    expected: DRY_RUN,
    description: '`dry-run` shows what would run and runs nothing',
    read(tokens) {
      const [first, second] = tokens;
      if (!first) return false;
      if (second || first.quoted || first.text.toLowerCase() !== DRY_RUN)
        throw new GrammarError(`unexpected \`${(second ?? first).raw.slice(0, 40)}\` (expected ${DRY_RUN})`);
      return true;
    },
  };
}
