import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { Faults } from '../../../src/workspace/controls/faults.js';
import { manualClock } from '../../support/clock.js';

describe('Faults', () => {
  it('fails every matching request for a while, then answers normally again', () => {
    const clock = manualClock();
    const faults = new Faults(new EventEmitter(), clock.now);
    faults.failFor('response_url', { status: 503 }, 20_000);
    expect(faults.take('response_url')).toEqual({ status: 503 });
    expect(faults.take('chat.postMessage')).toBeUndefined();
    clock.advance(19_999);
    expect(faults.take('response_url')).toEqual({ status: 503 });
    clock.advance(1);
    expect(faults.take('response_url')).toBeUndefined();
  });

  it('lasts until cleared when no time is given; counted failures come first', () => {
    const faults = new Faults(new EventEmitter(), () => 0);
    const outage = faults.failFor('*', { status: 500 });
    faults.failNext('chat.update', { status: 429, retryAfter: 3 });
    expect(faults.take('chat.update')).toEqual({ status: 429, retryAfter: 3 });
    expect(faults.take('chat.update')).toEqual({ status: 500 });
    expect(faults.take('views.open')).toEqual({ status: 500 });
    outage.clear();
    expect(faults.take('views.open')).toBeUndefined();
  });
});
