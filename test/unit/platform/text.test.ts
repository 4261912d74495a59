import { describe, expect, it } from 'vitest';
import { truncate } from '../../../src/platform/blocks.js';
import { cut, wellFormed } from '../../../src/platform/text.js';

describe('cut', () => {
  it('keeps whole graphemes: never half an emoji, a flag or a letter with its accent', () => {
    expect(cut('ab😀cd', 3)).toBe('ab');
    expect(cut('ab😀cd', 4)).toBe('ab😀');
    expect(cut('🇫🇷🇩🇪', 6)).toBe('🇫🇷');
    expect(cut('e\u0301e\u0301', 3)).toBe('e\u0301');
    expect(cut('short', 10)).toBe('short');
    expect(cut(`${'x'.repeat(99)}😀`, 100)).toBe('x'.repeat(99));
    // A cluster that straddles the limit far into a long input is still left out whole.
    expect(cut(`${'x'.repeat(99)}👩‍👩‍👧${'y'.repeat(100_000)}`, 100)).toBe('x'.repeat(99));
  });

  it('truncate() cuts on a grapheme and marks it', () => {
    expect(truncate('ab😀cd', 4)).toBe('ab…');
    expect(truncate('ab😀cd', 4).isWellFormed()).toBe(true);
  });
});

describe('wellFormed', () => {
  it('replaces lone surrogates in every string and key of a parsed body, however deep', () => {
    const body = JSON.parse('{"a":"x\\ud83d","b":["\\udc00",{"k\\ud800":"v"}],"ok":"😀"}');
    expect(wellFormed(body)).toEqual({ a: 'x\ufffd', b: ['\ufffd', { 'k\ufffd': 'v' }], ok: '😀' });
    let deep: unknown = '\ud83d';
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(() => wellFormed(deep)).not.toThrow();
  });
});
