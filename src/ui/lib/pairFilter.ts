/** Filtering the inspector's pair list by domain, benchmark, hardness, the model's outcome and text. */
import type { SelectionRecord } from '../../runtime/types.ts';
import type { PairFacets, PairFilters } from '../../store/inspector.ts';
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

/** The domains and benchmarks of a set, each once, in order of first appearance. */
export function pairFacets(pairs: Pair[]): PairFacets {
  const domains = new Set<string>();
  const benchmarks = new Set<string>();
  for (const p of pairs) {
    domains.add(p.domain);
    const b = benchmarkOf(p);
    if (b) benchmarks.add(b);
  }
  return { domains: [...domains], benchmarks: [...benchmarks] };
}

/** The pairs that pass the filters; the same array when no filter is set. */
export function filterPairs(pairs: Pair[], f: PairFilters, selection: Record<string, SelectionRecord[]>): Pair[] {
  const text = f.text.trim().toLowerCase();
  if (f.domain === 'any' && f.benchmark === 'any' && f.hardness === 'any' && f.outcome === 'any' && !text) return pairs;
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

/** Looking up a pair by id among every pair the page knows (the runs' probe sets, then the sources). */
export interface PairLookup {
  get(id: string): Pair | undefined;
  /** The first source's first pair, else the first run's first probe pair. */
  first(): Pair | undefined;
}

/**
 * A lookup that builds nothing up front: an imported set may hold 100,000 pairs, and indexing them
 * on every render (the runs change a few times a second while one trains) held the page. A probe
 * pair wins over a source's pair with the same id, and a later source over an earlier one.
 */
export function pairLookup(sources: { pairs: Pair[] }[], probes: (Pair[] | undefined)[]): PairLookup {
  const found = new Map<string, Pair | undefined>();
  return {
    get(id) {
      if (found.has(id)) return found.get(id);
      let hit: Pair | undefined;
      for (let r = probes.length - 1; r >= 0 && !hit; r--) hit = probes[r]?.find((p) => p.id === id);
      for (let s = sources.length - 1; s >= 0 && !hit; s--) hit = sources[s].pairs.find((p) => p.id === id);
      found.set(id, hit);
      return hit;
    },
    first() {
      for (const s of sources) if (s.pairs.length) return s.pairs[0];
      for (const p of probes) if (p?.length) return p[0];
      return undefined;
    },
  };
}
