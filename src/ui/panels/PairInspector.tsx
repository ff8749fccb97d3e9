/** The contrastive pair inspector: browse and filter pairs, open one, see its funnel and import errors. */
import { useEffect, useMemo } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { SelectionRecord } from '../../runtime/types.ts';
import { useConfigStore } from '../../store/config.ts';
import {
  type PairFilters,
  addPairSource,
  resetFilters,
  resetInspector,
  selectPair,
  selectSource,
  setFilter,
  useInspectorStore,
} from '../../store/inspector.ts';
import { useRunsStore } from '../../store/runs.ts';
import { printable } from '../../tasks/printable.ts';
import type { Pair } from '../../tasks/types.ts';
import { FunnelView } from '../components/FunnelView.tsx';
import { Empty, Panel, guardPanel } from '../components/Panel.tsx';
import { PairView } from '../components/PairView.tsx';
import { VirtualList } from '../components/VirtualList.tsx';
import { filterPairs, outcomeOf, pairFacets, pairLookup, type PairLookup } from '../lib/pairFilter.ts';
import { probePairsOffThread, samplePairsOffThread } from '../lib/pairImport.ts';
import { probeSourceName } from '../lib/pairSources.ts';
import { ImportPairs } from './ImportPairs.tsx';

const SAMPLE_N = 40;
const NO_PAIRS: Pair[] = [];
/** One row of the pair list (id and tags, then the query): fixed, so the list can be virtual. */
const PAIR_ROW_PX = 46;
const EMPTY_SELECTION: Record<string, SelectionRecord[]> = {};
/** Pair sets being generated (by name), so that a re-render does not ask twice. */
const pending = new Set<string>();

function Select({
  label,
  value,
  options,
  onChange,
}: {
  label: string;
  value: string;
  options: string[];
  onChange: (v: string) => void;
}) {
  return (
    <label className="inline">
      {label}
      <select value={value} onChange={(e) => onChange(e.target.value)} aria-label={label}>
        {options.map((o) => (
          <option key={o} value={o}>
            {o}
          </option>
        ))}
      </select>
    </label>
  );
}

/** Every pair the page knows, by id: the sources' pairs and the runs' probe sets. */
export function useKnownPairs(): PairLookup {
  const sources = useInspectorStore((s) => s.sources);
  const runs = useRunsStore((s) => s.runs);
  return useMemo(
    () =>
      pairLookup(
        Object.values(sources),
        Object.values(runs).map((r) => r.probe),
      ),
    [sources, runs],
  );
}

function PairInspectorBody() {
  const { domain, seed, knobs } = useConfigStore(
    useShallow((s) => ({ domain: s.config.domain, seed: s.config.seed, knobs: s.config.knobs })),
  );
  const draft = useConfigStore((s) => s.config);
  const runConfig = useRunsStore((s) => (s.activeId ? s.runs[s.activeId]?.config : undefined));
  const probeConfig = runConfig ?? draft;
  const probeName = probeSourceName(probeConfig);
  const sources = useInspectorStore((s) => s.sources);
  const sourceName = useInspectorStore((s) => s.sourceName);
  const filters = useInspectorStore((s) => s.filters);
  const pairId = useInspectorStore((s) => s.pairId);
  const selection = useRunsStore((s) => (s.activeId ? s.runs[s.activeId]?.selection : undefined)) ?? EMPTY_SELECTION;
  const known = useKnownPairs();
  const sampleName = `${domain} sample (seed ${seed})`;

  useEffect(() => {
    // Pair sets are generated lazily, once each, off the main thread (src/ui/lib/pairImport.ts).
    // The probe set is selected when nothing else is (selection records point into it).
    if (!sources[probeName] && !pending.has(probeName)) {
      pending.add(probeName);
      void probePairsOffThread(probeConfig).then((r) => {
        pending.delete(probeName);
        if (r.missing) return;
        const now = useInspectorStore.getState();
        addPairSource(
          { name: probeName, pairs: r.pairs, errors: r.errors, facets: r.facets },
          !now.sources[now.sourceName] || now.sourceName.startsWith('selection probe'),
        );
      });
    }
    if (!sources[sampleName] && !pending.has(sampleName)) {
      pending.add(sampleName);
      void samplePairsOffThread(domain, seed, SAMPLE_N, knobs).then((r) => {
        pending.delete(sampleName);
        const now = useInspectorStore.getState();
        addPairSource({ name: sampleName, ...r }, !now.sources[now.sourceName]);
      });
    }
  }, [domain, seed, knobs, sampleName, sources, probeName, probeConfig]);

  const source = sources[sourceName];
  const pairs = source?.pairs ?? NO_PAIRS;
  // Each of these walks every pair of the set (100,000 for a big import): once per change, not per render.
  const shown = useMemo(() => filterPairs(pairs, filters, selection), [pairs, filters, selection]);
  const facets = useMemo(() => source?.facets ?? pairFacets(pairs), [source, pairs]);
  const benchmarks = useMemo(() => ['any', ...facets.benchmarks], [facets]);
  const domains = useMemo(() => ['any', ...facets.domains], [facets]);
  const scrollTo = useMemo(() => (pairId ? shown.findIndex((p) => p.id === pairId) : undefined), [shown, pairId]);
  const open = pairId ? known.get(pairId) : undefined;
  const set =
    <K extends keyof PairFilters>(k: K) =>
    (v: string) =>
      setFilter(k, v as PairFilters[K]);

  return (
    <Panel name="Pair inspector" className="wide">
      <div className="toolbar">
        <Select
          label="Pair set"
          value={source ? sourceName : ''}
          options={Object.keys(sources)}
          onChange={selectSource}
        />
        <ImportPairs />
      </div>
      {Object.keys(sources).length === 0 ? <Empty>Generating pairs…</Empty> : null}
      {source?.errors.length ? (
        <div className="import-errors" role="alert" aria-label="Import errors">
          <strong>
            {source.errors.length} problem{source.errors.length > 1 ? 's' : ''} in {source.name}:
          </strong>
          <ul>
            {source.errors.slice(0, 50).map((e, i) => (
              <li key={i}>
                {e.line ? `line ${e.line}` : 'file'}
                {e.field ? `, ${printable(e.field)}` : ''}: {printable(e.message)}
              </li>
            ))}
          </ul>
        </div>
      ) : null}
      {source ? (
        <div className="inspector">
          <div className="pair-list">
            <div className="filters" role="group" aria-label="Filters">
              <Select label="Domain" value={filters.domain} options={domains} onChange={set('domain')} />
              <Select label="Benchmark" value={filters.benchmark} options={benchmarks} onChange={set('benchmark')} />
              <Select
                label="Hardness"
                value={filters.hardness}
                options={['any', 'easy', 'hard']}
                onChange={set('hardness')}
              />
              <Select
                label="Model"
                value={filters.outcome}
                options={['any', 'right', 'wrong', 'unseen']}
                onChange={set('outcome')}
              />
              <label className="inline">
                Search
                <input
                  type="search"
                  value={filters.text}
                  onChange={(e) => setFilter('text', e.target.value)}
                  aria-label="Search pairs"
                />
              </label>
              <button type="button" className="link" onClick={resetFilters}>
                clear
              </button>
            </div>
            <p className="help">
              {shown.length} of {pairs.length} pairs
            </p>
            <VirtualList
              items={shown}
              rowHeight={PAIR_ROW_PX}
              height={360}
              label="Pairs"
              className="pairs"
              keyOf={(p) => p.id}
              scrollTo={scrollTo}
            >
              {(p) => {
                const o = outcomeOf(p, selection);
                return (
                  <button
                    type="button"
                    aria-pressed={p.id === pairId}
                    onClick={() => selectPair(p.id)}
                    aria-label={`Open pair ${p.id}`}
                  >
                    <span className="pid">{p.id}</span> <span className={`tag ${p.hardness}`}>{p.hardness}</span>
                    {o !== 'unseen' ? (
                      <span className={`tag ${o}`}>{o === 'right' ? 'model right' : 'model wrong'}</span>
                    ) : null}
                    <span className="q">{p.query}</span>
                  </button>
                );
              }}
            </VirtualList>
            {source.funnel ? <FunnelView funnel={source.funnel} /> : null}
          </div>
          <div className="pair-detail">
            {open ? (
              <PairView pair={open} />
            ) : pairId ? (
              <Empty>
                Pair {pairId} is not in any loaded pair set; the selection panel still shows what the model chose.
              </Empty>
            ) : (
              <Empty>Open a pair from the list to compare C+ and C−.</Empty>
            )}
          </div>
        </div>
      ) : null}
    </Panel>
  );
}

/** The panel, inside its error boundary (Reset panel: its view state back to defaults). */
export const PairInspector = guardPanel('Pair inspector', PairInspectorBody, resetInspector);
