/** Derived views of selection records: per-step probe accuracy, hardest distractors, flip counts. */
import type { SelectionRecord } from '../../runtime/types.ts';

export function isCorrect(r: SelectionRecord): boolean {
  return r.chosen === r.target;
}

/**
 * The choice between the two letters: P(letter | the answer is A or B). With Delta = logit(C+
 * letter) - logit(C- letter), the C+ letter gets sigma(Delta) (the same as pA / (pA + pB), without
 * the underflow when both are tiny).
 */
export function choiceBetweenLetters(r: Pick<SelectionRecord, 'delta' | 'target'>): { A: number; B: number } {
  const pPos = 1 / (1 + Math.exp(-r.delta));
  return r.target === 'A' ? { A: pPos, B: 1 - pPos } : { A: 1 - pPos, B: pPos };
}

/** Accuracy over the probe set at each step that has records. */
export function accuracyOverTime(
  selection: Record<string, SelectionRecord[]>,
): { step: number; accuracy: number; n: number }[] {
  const by = new Map<number, { right: number; n: number }>();
  for (const recs of Object.values(selection))
    for (const r of recs) {
      const e = by.get(r.step) ?? { right: 0, n: 0 };
      e.n++;
      if (isCorrect(r)) e.right++;
      by.set(r.step, e);
    }
  return [...by.entries()].sort((a, b) => a[0] - b[0]).map(([step, e]) => ({ step, accuracy: e.right / e.n, n: e.n }));
}

/** How many times the chosen context switched between C+ and C- over a pair's records. */
export function flipCount(recs: SelectionRecord[]): number {
  let flips = 0;
  for (let i = 1; i < recs.length; i++) if (isCorrect(recs[i]) !== isCorrect(recs[i - 1])) flips++;
  return flips;
}

export interface Distractor {
  pairId: string;
  latest: SelectionRecord;
  flips: number;
}

/** Pairs sorted by the latest Delta, most negative first (the model prefers C- most confidently). */
export function hardestByDelta(selection: Record<string, SelectionRecord[]>, k = 8): Distractor[] {
  return Object.entries(selection)
    .filter(([, r]) => r.length > 0)
    .map(([pairId, r]) => ({ pairId, latest: r[r.length - 1], flips: flipCount(r) }))
    .sort((a, b) => a.latest.delta - b.latest.delta || a.pairId.localeCompare(b.pairId))
    .slice(0, k);
}

/** Pairs whose choice switched at least twice, most flips first. */
export function mostFlipping(selection: Record<string, SelectionRecord[]>, k = 8): Distractor[] {
  return Object.entries(selection)
    .map(([pairId, r]) => ({ pairId, latest: r[r.length - 1], flips: flipCount(r) }))
    .filter((d) => d.latest && d.flips >= 2)
    .sort((a, b) => b.flips - a.flips || a.pairId.localeCompare(b.pairId))
    .slice(0, k);
}

/** The record at or before `step` (the latest when step is null). */
export function recordAt(recs: SelectionRecord[] | undefined, step: number | null): SelectionRecord | undefined {
  if (!recs || recs.length === 0) return undefined;
  if (step === null) return recs[recs.length - 1];
  let best: SelectionRecord | undefined;
  for (const r of recs) if (r.step <= step) best = r;
  return best;
}
