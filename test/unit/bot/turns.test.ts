import { describe, expect, it } from 'vitest';
import { Turns } from '../../../src/bot/router/turns.js';

describe('Turns', () => {
  it('lets at most its size through at once, and the next waiting one in as a turn is given back', async () => {
    const turns = new Turns(2);
    const order: string[] = [];
    const hold = async (name: string) => {
      await turns.take();
      order.push(name);
    };
    await Promise.all([hold('a'), hold('b')]);
    const c = hold('c');
    const d = hold('d');
    await Promise.resolve();
    expect(order).toEqual(['a', 'b']);
    turns.give();
    await c;
    expect(order).toEqual(['a', 'b', 'c']);
    turns.give();
    await d;
    expect(order).toEqual(['a', 'b', 'c', 'd']);
    // Every turn given back: two can be held at once again, not more.
    turns.give();
    turns.give();
    await Promise.all([hold('e'), hold('f')]);
    let g = false;
    void turns.take().then(() => {
      g = true;
    });
    await Promise.resolve();
    expect(g).toBe(false);
  });
});
