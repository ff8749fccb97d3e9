/** The inspector slice: which pair, which step, which filters, how smooth the curves are. */
import { create } from 'zustand';
import type { Funnel, Pair } from '../tasks/types.ts';

export type Outcome = 'any' | 'right' | 'wrong' | 'unseen';

export interface PairFilters {
  domain: string;
  benchmark: string;
  hardness: 'any' | 'easy' | 'hard';
  outcome: Outcome;
  text: string;
}

export interface ImportError {
  line: number;
  field?: string;
  message: string;
}

/** The domains and benchmarks a pair set holds, for its filters (a big set's are made in the pairs worker). */
export interface PairFacets {
  domains: string[];
  benchmarks: string[];
}

export interface PairSource {
  name: string;
  pairs: Pair[];
  funnel?: Funnel;
  errors: ImportError[];
  facets?: PairFacets;
}

export interface InspectorSlice {
  pairId: string | null;
  /** The step the scrubber points at; null follows the latest. */
  step: number | null;
  filters: PairFilters;
  /** EMA weight 0..0.99 for the curves. */
  smoothing: number;
  /** Pair sets besides a run's probe set: generated samples and imported JSONL files, by name. */
  sources: Record<string, PairSource>;
  sourceName: string;
}

export const DEFAULT_FILTERS: PairFilters = {
  domain: 'any',
  benchmark: 'any',
  hardness: 'any',
  outcome: 'any',
  text: '',
};

export const useInspectorStore = create<InspectorSlice>(() => ({
  pairId: null,
  step: null,
  filters: DEFAULT_FILTERS,
  smoothing: 0.6,
  sources: {},
  sourceName: '',
}));

export function selectPair(pairId: string | null): void {
  useInspectorStore.setState({ pairId });
}
export function setStep(step: number | null): void {
  useInspectorStore.setState({ step });
}
export function setSmoothing(smoothing: number): void {
  useInspectorStore.setState({ smoothing: Math.min(Math.max(smoothing, 0), 0.99) });
}
export function setFilter<K extends keyof PairFilters>(key: K, value: PairFilters[K]): void {
  useInspectorStore.setState({ filters: { ...useInspectorStore.getState().filters, [key]: value } });
}
export function resetFilters(): void {
  useInspectorStore.setState({ filters: DEFAULT_FILTERS });
}
export function addPairSource(src: PairSource, select = true): void {
  const s = useInspectorStore.getState();
  useInspectorStore.setState({
    sources: { ...s.sources, [src.name]: src },
    sourceName: select ? src.name : s.sourceName,
  });
}
export function selectSource(sourceName: string): void {
  useInspectorStore.setState({ sourceName, pairId: null });
}

/** The inspector's view back to its defaults: no pair, no step, no filters, pair sets generated afresh. */
export function resetInspector(): void {
  useInspectorStore.setState({ pairId: null, step: null, filters: DEFAULT_FILTERS, sources: {}, sourceName: '' });
}
