import { createRequire } from 'node:module';

/**
 * Slack's emoji shortcodes (`:red_circle:`, `:+1:`) and the characters they stand for, from emojibase-data: its
 * `iamcal` shortcodes are the set Slack's client uses, and its compact data holds each emoji's fully qualified
 * character. The page fetches only this map (about 2,000 names, ~40 KB), never the package's 50 MB of locales.
 */
export const EMOJI_PATH = '/page/emoji.json';

interface CompactEmoji {
  hexcode: string;
  unicode: string;
  skins?: CompactEmoji[];
}

let built: Record<string, string> | undefined;

/** Shortcode (without colons) → emoji; empty when the data package is not installed (shortcodes then show as text). */
export function emojiByShortcode(): Record<string, string> {
  if (built) return built;
  const require = createRequire(import.meta.url);
  let shortcodes: Record<string, string | string[]>;
  let compact: CompactEmoji[];
  try {
    shortcodes = require('emojibase-data/en/shortcodes/iamcal.json');
    compact = require('emojibase-data/en/compact.json');
  } catch {
    built = {};
    return built;
  }
  const byHexcode = new Map<string, string>();
  for (const emoji of compact) {
    byHexcode.set(emoji.hexcode, emoji.unicode);
    for (const skin of emoji.skins ?? []) byHexcode.set(skin.hexcode, skin.unicode);
  }
  const map: Record<string, string> = {};
  for (const [hexcode, names] of Object.entries(shortcodes)) {
    const unicode = byHexcode.get(hexcode);
    if (!unicode) continue;
    for (const name of Array.isArray(names) ? names : [names]) map[name] = unicode;
  }
  built = map;
  return built;
}
