import { describe, expect, it } from 'vitest';
import { browserTestsRun, missingChromium } from '../support/browser.js';

describe('browser tests', () => {
  it('always run under CI, with or without Chromium', () => {
    expect(browserTestsRun({ CI: 'true' }, false)).toBe(true);
    expect(browserTestsRun({ CI: '1' }, false)).toBe(true);
    expect(browserTestsRun({ CI: 'true' }, true)).toBe(true);
  });

  it('run elsewhere only where Chromium is installed', () => {
    expect(browserTestsRun({}, true)).toBe(true);
    expect(browserTestsRun({}, false)).toBe(false);
    expect(browserTestsRun({ CI: 'false' }, false)).toBe(false);
  });

  it('fail saying what is missing', () => {
    expect(missingChromium('/nowhere/chromium')).toMatch(/^Chromium is missing at \/nowhere\/chromium: install it/);
  });
});
