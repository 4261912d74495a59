import type { COMPARISON_OPS } from './check-kinds.js';

/** `sample <op> value`; NaN never passes. */
export function compare(sample: number, op: (typeof COMPARISON_OPS)[number], value: number): boolean {
  switch (op) {
    case '<':
      return sample < value;
    case '<=':
      return sample <= value;
    case '>':
      return sample > value;
    case '>=':
      return sample >= value;
    case '==':
      return sample === value;
  }
}
