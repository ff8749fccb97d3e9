/**
 * Seeded pseudo-random numbers for the engine (no Math.random anywhere in src/engine).
 * mulberry32: 32-bit state, fast, good enough for sampling noise and init seeds.
 */
export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = (seed >>> 0) ^ 0x9e3779b9;
    // Warm up so that nearby seeds diverge.
    for (let i = 0; i < 4; i++) this.nextU32();
  }

  /** Uniform integer in [0, 2^32). */
  nextU32(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** Uniform float in [0, 1). */
  next(): number {
    return this.nextU32() / 4294967296;
  }

  /** Uniform float in (0, 1): safe for log. */
  nextOpen(): number {
    return (this.nextU32() + 0.5) / 4294967296;
  }

  /** A fresh seed for a tf random op, never 0 (tfjs ignores a falsy seed and uses Math.random). */
  nextSeed(): number {
    return 1 + (this.nextU32() % 2147483646);
  }

  /** Fisher-Yates shuffle in place. */
  shuffle<T>(xs: T[]): T[] {
    for (let i = xs.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      [xs[i], xs[j]] = [xs[j], xs[i]];
    }
    return xs;
  }
}
