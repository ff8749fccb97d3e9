import { describe, expect, it } from 'vitest';
import { parseRunConfig } from '../../src/config/run-config.ts';
import { planBudget } from '../../src/runtime/budget.ts';
import { getDomain } from '../../src/runtime/domains.ts';
import {
  contentKey,
  drawExcluding,
  heldOutContent,
  itemKey,
  pairKeys,
  trainingOverlap,
} from '../../src/runtime/held-out.ts';
import { rlItems, stepPairs } from '../../src/runtime/rl-step.ts';
import { tinyRun } from './helpers.ts';

// Two variables, two lines: a space of a few hundred programs, so evaluation contexts recur in training.
const SMALL = { depth: 'lookup', vars: 2, steps: 2, noise: 0, shortcut: 0.5 };

describe('held out by content', () => {
  it('drawExcluding keeps the first n accepted, drawing more only when something was skipped', () => {
    const calls: number[] = [];
    const draw = (m: number) => {
      calls.push(m);
      return Array.from({ length: m }, (_, i) => i);
    };
    expect(drawExcluding(draw, 3, (x) => x % 2 === 0)).toEqual([0, 2, 4]);
    expect(calls).toEqual([3, 7]);
    calls.length = 0;
    expect(drawExcluding(draw, 3, () => true)).toEqual([0, 1, 2]);
    expect(calls).toEqual([3]);
  });

  it('counts overlap on a small space, and the filtered streams show no evaluation context at full length', () => {
    const d = getDomain('trace');
    const c = parseRunConfig({
      ...tinyRun({ method: 'contextrl', knobs: SMALL, steps: 20, evalItems: 50, probePairs: 20 }),
      holdOutContent: true,
    });
    const held = heldOutContent(d, c);
    expect(held.size).toBeGreaterThan(50);
    const plan = planBudget(c, 1);
    const raw = trainingOverlap(d, c, plan, (s, n) => ({
      items: rlItems(d, c, s, n.items, true),
      pairs: stepPairs(d, c, s, n.pairs, true),
    }));
    expect(raw.items.seen).toBeGreaterThan(0);
    expect(raw.items.overlapping).toBeGreaterThan(0);
    let skippedSomewhere = false;
    for (let s = 0; s < 20; s++) {
      const items = rlItems(d, c, s, 5);
      const pairs = stepPairs(d, c, s, 3);
      expect(items).toHaveLength(5);
      expect(pairs).toHaveLength(3);
      for (const it of items) expect(held.has(itemKey(it))).toBe(false);
      for (const p of pairs) for (const k of pairKeys(p)) expect(held.has(k)).toBe(false);
      const r = rlItems(d, c, s, 5, true);
      if (r.some((it) => held.has(itemKey(it)))) skippedSomewhere = true;
      // No held-out context in the raw stream: the filtered stream is the raw one.
      else expect(items).toEqual(r);
    }
    expect(skippedSomewhere).toBe(true);
  });

  it('an image context is keyed by its size and bytes', () => {
    const a = { width: 2, height: 1, data: new Uint8Array([1, 2, 3, 4, 5, 6]) };
    expect(contentKey(a)).toBe(contentKey({ ...a, data: a.data.slice() }));
    expect(contentKey(a)).not.toBe(contentKey({ ...a, data: new Uint8Array([1, 2, 3, 4, 5, 7]) }));
    expect(contentKey('x=1')).toBe('x=1');
  });
});
