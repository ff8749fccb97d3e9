/**
 * Seeded pseudo-random numbers for every generator in src/tasks (never Math.random): the same
 * seed always gives the same data. mulberry32 for the stream, FNV-1a + a splitmix finaliser to
 * turn (seed, label) into a fresh, decorrelated seed for `fork`.
 */

/** FNV-1a hash of a string, 32 bit. */
export function hashString(s: string, h = 0x811c9dc5): number {
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** splitmix32-style finaliser: neighbouring seeds (0, 1, 2) give unrelated streams. */
export function mixSeed(x: number): number {
  let z = (x + 0x9e3779b9) >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/**
 * mulberry32. The data generators seed it through mixSeed; the engine's samplers use `Rng.warmed`
 * (their seeding since the first checkpoints, kept so runs reproduce).
 */
export class Rng {
  private state: number;

  constructor(
    readonly seed: number,
    state = mixSeed(seed >>> 0),
  ) {
    this.state = state;
  }

  /** The engine's seeding: seed xor 0x9e3779b9, then four draws so that nearby seeds diverge. */
  static warmed(seed: number): Rng {
    const r = new Rng(seed, (seed >>> 0) ^ 0x9e3779b9);
    for (let i = 0; i < 4; i++) r.nextU32();
    return r;
  }

  /** Uniform integer in [0, 2^32). */
  nextU32(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** Uniform float in [0, 1). */
  float(): number {
    return this.nextU32() / 4294967296;
  }

  /** Uniform float in [0, 1) (the engine's name for float). */
  next(): number {
    return this.float();
  }

  /** Uniform float in (0, 1): safe for log. */
  nextOpen(): number {
    return (this.nextU32() + 0.5) / 4294967296;
  }

  /** A fresh seed for a tf random op, never 0 (tfjs ignores a falsy seed and uses Math.random). */
  nextSeed(): number {
    return 1 + (this.nextU32() % 2147483646);
  }

  /** Uniform integer in [lo, hi], both ends included. */
  int(lo: number, hi: number): number {
    if (hi < lo) throw new Error(`Rng.int: empty range [${lo}, ${hi}]`);
    return lo + Math.floor(this.float() * (hi - lo + 1));
  }

  /** true with probability p. */
  bool(p = 0.5): boolean {
    return this.float() < p;
  }

  /** One entry of a [value, weight] table (weights summing to 1); rounding falls back to the first. */
  weighted<T>(table: readonly (readonly [T, number])[]): T {
    let r = this.float();
    for (const [v, w] of table) if ((r -= w) < 0) return v;
    return table[0][0];
  }

  pick<T>(xs: readonly T[]): T {
    if (xs.length === 0) throw new Error('Rng.pick: empty array');
    return xs[Math.floor(this.float() * xs.length)];
  }

  /** A shuffled copy (Fisher-Yates); the input is not touched. */
  shuffle<T>(xs: readonly T[]): T[] {
    const out = xs.slice();
    for (let i = out.length - 1; i > 0; i--) {
      const j = Math.floor(this.float() * (i + 1));
      [out[i], out[j]] = [out[j], out[i]];
    }
    return out;
  }

  /** k distinct elements in random order. */
  sample<T>(xs: readonly T[], k: number): T[] {
    return this.shuffle(xs).slice(0, k);
  }

  /**
   * An independent stream named by `label`. Depends only on this stream's seed and the label,
   * not on how many numbers were drawn, so adding draws in one place never shifts another.
   */
  fork(label: string | number): Rng {
    return new Rng(mixSeed(hashString(String(label), this.seed >>> 0) ^ 0x5bd1e995));
  }
}
