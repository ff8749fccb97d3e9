/** Shared checks for the pair property tests. */
import { expect } from 'vitest';
import type { Pair, RGBImage } from '../../src/tasks/index.ts';

/** Contexts are equal outside the decisive spans/regions (checked independently of verify.ts). */
export function expectDiffersOnlyInside(p: Pair): void {
  if (typeof p.positive === 'string' && typeof p.negative === 'string') {
    const strip = (t: string, spans: Pair['decisivePositive']) => {
      let out = '';
      let at = 0;
      for (const s of [...spans].sort((a, b) => (a.kind === 'text' && b.kind === 'text' ? a.start - b.start : 0))) {
        if (s.kind !== 'text') throw new Error('text pair with a region');
        out += t.slice(at, s.start) + '\u0000';
        at = s.end;
      }
      return out + t.slice(at);
    };
    expect(strip(p.positive, p.decisivePositive)).toBe(strip(p.negative, p.decisiveNegative));
    return;
  }
  const a = p.positive as RGBImage;
  const b = p.negative as RGBImage;
  const regions = [...p.decisivePositive, ...p.decisiveNegative];
  for (let y = 0; y < a.height; y++) {
    for (let x = 0; x < a.width; x++) {
      const inside = regions.some((r) => r.kind === 'region' && x >= r.x && x < r.x + r.w && y >= r.y && y < r.y + r.h);
      if (inside) continue;
      const o = (y * a.width + x) * 3;
      expect([a.data[o], a.data[o + 1], a.data[o + 2]]).toEqual([b.data[o], b.data[o + 1], b.data[o + 2]]);
    }
  }
}
