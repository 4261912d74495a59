/**
 * Text from people and webhooks, made safe to keep, cut and send.
 *
 * JSON may carry a lone UTF-16 surrogate (`"disk \ud83d full"` is valid JSON): JavaScript keeps it, but Redis' Lua
 * cjson, Slack and every UTF-8 encoder refuse or mangle it, and an alert group or incident holding one broke for good.
 * So every string is made well-formed where it comes in (`wellFormed`), and every cut keeps whole graphemes (`cut`):
 * slicing UTF-16 units splits an emoji into two lone surrogates again.
 */

/** U+FFFD for each lone surrogate, in every string of a parsed JSON body (keys too), changed in place. */
export function wellFormed<T>(value: T): T {
  if (typeof value === 'string') return value.toWellFormed() as T;
  // An explicit stack: a hostile body may nest deeper than the call stack allows.
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const node = stack.pop();
    if (node === null || typeof node !== 'object') continue;
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i++) {
        const item: unknown = node[i];
        if (typeof item === 'string') node[i] = item.toWellFormed();
        else stack.push(item);
      }
      continue;
    }
    const record = node as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      const item = record[key];
      const fixed = typeof item === 'string' ? item.toWellFormed() : item;
      if (typeof item !== 'string') stack.push(item);
      if (key.isWellFormed()) {
        if (fixed !== item) record[key] = fixed;
      } else {
        delete record[key];
        Object.defineProperty(record, key.toWellFormed(), {
          value: fixed,
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
    }
  }
  return value;
}

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/** The longest prefix of whole graphemes (an emoji with its modifiers, a letter with its accents) in `limit` units. */
export function cut(text: string, limit: number): string {
  if (text.length <= limit) return text;
  // Segment only what can matter: V8's segmenter walks the whole input it is given, which on a 100 KB webhook string
  // took seconds. A grapheme cluster that ends by `limit` lies wholly inside this slice, and slicing farther on cannot
  // change where the earlier clusters break.
  let end = 0;
  for (const { index, segment } of graphemes.segment(text.slice(0, limit + 64))) {
    if (index + segment.length > limit) break;
    end = index + segment.length;
  }
  return text.slice(0, end);
}
