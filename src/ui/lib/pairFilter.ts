/** Filtering the inspector's pair list by domain, benchmark, hardness, the model's outcome and text. */
import type { SelectionRecord } from '../../runtime/types.ts';
import type { PairFilters } from '../../store/inspector.ts';
import type { Pair } from '../../tasks/types.ts';

export function benchmarkOf(p: Pair): string {
  const b = p.meta.benchmark ?? p.meta.split ?? p.meta.method;
  return b === undefined ? '' : String(b);
}

/** 'right' / 'wrong' by the latest selection record, 'unseen' without one. */
export function outcomeOf(p: Pair, selection: Record<string, SelectionRecord[]>): 'right' | 'wrong' | 'unseen' {
  const recs = selection[p.id];
  const last = recs?.[recs.length - 1];
  if (!last) return 'unseen';
  return last.chosen === last.target ? 'right' : 'wrong';
}

export function filterPairs(pairs: Pair[], f: PairFilters, selection: Record<string, SelectionRecord[]>): Pair[] {
  const text = f.text.trim().toLowerCase();
  return pairs.filter(
    (p) =>
      (f.domain === 'any' || p.domain === f.domain) &&
      (f.benchmark === 'any' || benchmarkOf(p) === f.benchmark) &&
      (f.hardness === 'any' || p.hardness === f.hardness) &&
      (f.outcome === 'any' || outcomeOf(p, selection) === f.outcome) &&
      (!text ||
        p.id.toLowerCase().includes(text) ||
        p.query.toLowerCase().includes(text) ||
        p.answer.toLowerCase().includes(text)),
  );
}
