/** Counting a pair builder's funnel (the paper's "how many candidates each filter rejected"). */
import type { Funnel, RejectionReason } from './types.ts';

export class FunnelCounter {
  private candidates = 0;
  private passed: number[];
  private rejections: Partial<Record<RejectionReason, number>> = {};

  /** `stages` in order; a candidate is kept when it passes all of them. */
  constructor(readonly stages: readonly string[]) {
    this.passed = stages.map(() => 0);
  }

  /** A candidate that passed every stage. */
  keep(): void {
    this.candidates++;
    for (let i = 0; i < this.passed.length; i++) this.passed[i]++;
  }

  /** A candidate that failed at stage `stage` (0-based) for `reason`. */
  reject(stage: number, reason: RejectionReason): void {
    this.candidates++;
    for (let i = 0; i < stage; i++) this.passed[i]++;
    this.rejections[reason] = (this.rejections[reason] ?? 0) + 1;
  }

  get kept(): number {
    return this.passed.length ? this.passed[this.passed.length - 1] : this.candidates;
  }

  get count(): number {
    return this.candidates;
  }

  funnel(): Funnel {
    return {
      candidates: this.candidates,
      stages: this.stages.map((name, i) => ({ name, kept: this.passed[i] })),
      rejections: { ...this.rejections },
      kept: this.kept,
    };
  }
}

/** One line per stage and reason, for the CLI and logs. */
export function formatFunnel(f: Funnel): string {
  const lines = [`candidates ${f.candidates}`];
  for (const s of f.stages) lines.push(`  ${s.name.padEnd(36)} ${s.kept}`);
  const reasons = Object.entries(f.rejections).sort((a, b) => (b[1] ?? 0) - (a[1] ?? 0));
  for (const [r, c] of reasons) lines.push(`  rejected ${r.padEnd(27)} ${c}`);
  lines.push(`kept ${f.kept} (${f.candidates ? ((100 * f.kept) / f.candidates).toFixed(1) : '0.0'}%)`);
  return lines.join('\n');
}
