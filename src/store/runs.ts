/**
 * The runs slice: every run the page knows (live or imported), its state, progress, evaluations,
 * the latest rollout groups and the selection records per probe pair. Plain data only.
 */
import { create } from 'zustand';
import type { BackendName } from '../engine/backend.ts';
import type { EvalRecord, RolloutGroup, RunConfig, RunProgress, RunState, SelectionRecord } from '../runtime/types.ts';
import type { Pair } from '../tasks/types.ts';

/** Rollout steps kept per run (the scrubber reaches back this far). */
export const MAX_ROLLOUT_STEPS = 200;

export interface RunEntry {
  id: string;
  name: string;
  config: RunConfig;
  state: RunState;
  message?: string;
  progress?: RunProgress;
  createdAt: number;
  backend?: BackendName;
  evals: EvalRecord[];
  /** Steps with rollouts, ascending; rollouts[step] holds that step's groups. */
  rolloutSteps: number[];
  rollouts: Record<number, RolloutGroup[]>;
  /** pairId -> records over training, ascending by step. */
  selection: Record<string, SelectionRecord[]>;
  /** Steps at which selection records arrived, ascending. */
  selectionSteps: number[];
  /** The probe pairs, when known (imported runs carry them). */
  probe?: Pair[];
  /** Imported from a file rather than trained here. */
  imported?: boolean;
  /** The id the run had in the file it was imported from. */
  importedFrom?: string;
  /** The run this one was forked from (a paused run whose settings were changed). */
  parentId?: string;
  /**
   * The runtime holds no session for this run (restored after a reload, imported, or replaced by
   * another run in the worker): Resume and Step first reopen it from its latest checkpoint.
   */
  detached?: boolean;
  /** The unit of the latest checkpoint known (stored or received). */
  checkpointStep?: number;
  /** Why the stored checkpoint cannot be used, when the startup check found it damaged. */
  checkpointDamaged?: string;
  /** A lasting note about the run's history (resumed, steps replayed, records repaired); state changes keep it. */
  notice?: string;
}

export interface RunsSlice {
  runs: Record<string, RunEntry>;
  order: string[];
  activeId: string | null;
  /** Runs overlaid on the charts besides the active one. */
  overlay: string[];
}

export const useRunsStore = create<RunsSlice>(() => ({ runs: {}, order: [], activeId: null, overlay: [] }));

export function newRunEntry(id: string, name: string, config: RunConfig, createdAt: number): RunEntry {
  return {
    id,
    name,
    config,
    state: 'idle',
    createdAt,
    evals: [],
    rolloutSteps: [],
    rollouts: {},
    selection: {},
    selectionSteps: [],
  };
}

/**
 * The backend a run trains on: the runtime's report for the run, else its setting; with 'auto'
 * and no report yet, the backend the page's runtime uses now.
 */
export function usedBackend(r: Pick<RunEntry, 'backend' | 'config'>, current?: BackendName): BackendName {
  if (r.backend) return r.backend;
  if (r.config.backend !== 'auto') return r.config.backend;
  return current ?? 'wasm';
}

export function addRun(entry: RunEntry, makeActive = true): void {
  const s = useRunsStore.getState();
  useRunsStore.setState({
    runs: { ...s.runs, [entry.id]: entry },
    order: s.order.includes(entry.id) ? s.order : [...s.order, entry.id],
    activeId: makeActive ? entry.id : s.activeId,
  });
}

/** Applies `f` to one run (no-op for unknown ids). */
export function updateRun(id: string, f: (r: RunEntry) => RunEntry): void {
  const s = useRunsStore.getState();
  const r = s.runs[id];
  if (!r) return;
  useRunsStore.setState({ runs: { ...s.runs, [id]: f(r) } });
}

export function removeRun(id: string): void {
  const s = useRunsStore.getState();
  const runs = { ...s.runs };
  delete runs[id];
  const order = s.order.filter((x) => x !== id);
  useRunsStore.setState({
    runs,
    order,
    activeId: s.activeId === id ? (order[order.length - 1] ?? null) : s.activeId,
    overlay: s.overlay.filter((x) => x !== id),
  });
}

export function setActiveRun(id: string | null): void {
  useRunsStore.setState({ activeId: id });
}

export function toggleOverlay(id: string): void {
  const o = useRunsStore.getState().overlay;
  useRunsStore.setState({ overlay: o.includes(id) ? o.filter((x) => x !== id) : [...o, id] });
}

/** Pure reducers, exported for tests. */
export function withRollouts(r: RunEntry, step: number, groups: RolloutGroup[]): RunEntry {
  let steps = r.rolloutSteps.includes(step) ? r.rolloutSteps : [...r.rolloutSteps, step].sort((a, b) => a - b);
  const rollouts = { ...r.rollouts, [step]: groups };
  while (steps.length > MAX_ROLLOUT_STEPS) {
    delete rollouts[steps[0]];
    steps = steps.slice(1);
  }
  return { ...r, rolloutSteps: steps, rollouts };
}

export function withSelection(r: RunEntry, records: SelectionRecord[]): RunEntry {
  const selection = { ...r.selection };
  const steps = new Set(r.selectionSteps);
  for (const rec of records) {
    const prev = selection[rec.pairId] ?? [];
    const rest = prev.filter((p) => p.step !== rec.step);
    selection[rec.pairId] = [...rest, rec].sort((a, b) => a.step - b.step);
    steps.add(rec.step);
  }
  return { ...r, selection, selectionSteps: [...steps].sort((a, b) => a - b) };
}

export function withEval(r: RunEntry, record: EvalRecord): RunEntry {
  const evals = [...r.evals.filter((e) => e.step !== record.step), record].sort((a, b) => a.step - b.step);
  return { ...r, evals };
}
