/**
 * Start / Resume / Pause / Step / Reset with keyboard shortcuts, the progress bar with steps/s and
 * ETA, and memory. Resume continues a paused run (from its checkpoint after a reload); with the
 * settings changed, Start forks a new run and keeps the paused one; Reset sets the active run aside.
 */
import { useEffect, useMemo, useState } from 'react';
import { useConfigStore } from '../../store/config.ts';
import { useRunsStore } from '../../store/runs.ts';
import {
  applyRunSettings,
  changedSettings,
  pauseRun,
  resetRun,
  startBlocker,
  startRun,
  stepRun,
  useSessionStore,
} from '../../store/session.ts';
import { bytes, duration, fmt } from '../lib/format.ts';

export const SHORTCUTS = { start: 's', pause: 'p', step: 'n', reset: 'r' } as const;

/** Global single-key shortcuts, ignored while typing in a form field or with a modifier held. */
export function useRunShortcuts(): void {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.ctrlKey || e.metaKey || e.altKey) return;
      const t = e.target as HTMLElement | null;
      if (t && (t.isContentEditable || ['INPUT', 'SELECT', 'TEXTAREA'].includes(t.tagName))) return;
      const k = e.key.toLowerCase();
      if (k === SHORTCUTS.start) startRun();
      else if (k === SHORTCUTS.pause) pauseRun();
      else if (k === SHORTCUTS.step) stepRun();
      else if (k === SHORTCUTS.reset) resetRun();
      else return;
      e.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
}

function usePageHeap(): number | undefined {
  const [heap, setHeap] = useState<number | undefined>();
  useEffect(() => {
    const read = () =>
      setHeap((performance as Performance & { memory?: { usedJSHeapSize: number } }).memory?.usedJSHeapSize);
    read();
    const id = setInterval(read, 2000);
    return () => clearInterval(id);
  }, []);
  return heap;
}

function MemoryReadout({ runId }: { runId: string | null }) {
  const heap = usePageHeap();
  const progress = useRunsStore((s) => (runId ? s.runs[runId]?.progress : undefined));
  return (
    <p className="memory" aria-label="Memory">
      Memory: page heap {heap === undefined ? 'not reported by this browser' : bytes(heap)}
      {progress?.tensorBytes !== undefined && (
        <span>
          {' '}
          · training tensors {bytes(progress.tensorBytes)} in {progress.numTensors ?? 0} tensors
        </span>
      )}
    </p>
  );
}

export function RunControls() {
  const activeId = useRunsStore((s) => s.activeId);
  const run = useRunsStore((s) => (s.activeId ? s.runs[s.activeId] : undefined));
  const connected = useSessionStore((s) => s.connected);
  const lastError = useSessionStore((s) => s.lastError);
  const valid = useConfigStore((s) => Object.keys(s.errors).length === 0);
  const formConfig = useConfigStore((s) => s.config);
  const storageNotice = useSessionStore((s) => s.storageNotice);
  const state = run?.state ?? 'idle';
  const active = state === 'running' || state === 'warming';
  const resumable = state === 'paused' || state === 'idle';
  const runConfig = run?.config;
  const changed = useMemo(
    () => (runConfig && resumable ? changedSettings(runConfig, formConfig) : []),
    [runConfig, formConfig, resumable],
  );
  const resumes = !!run && resumable && changed.length === 0;
  const blocker = connected && (valid || resumes) ? null : startBlocker();
  const p = run?.progress;
  const frac = p && p.totalSteps > 0 ? Math.min(1, p.step / p.totalSteps) : 0;
  return (
    <div className="controls">
      <div className="buttons" role="toolbar" aria-label="Run controls">
        <button
          type="button"
          onClick={() => startRun()}
          disabled={active || !!blocker}
          aria-keyshortcuts={SHORTCUTS.start}
          title={
            blocker ??
            (resumes
              ? 'Resume this run (S)'
              : changed.length
                ? 'Start a new run with the changed settings; this one stays paused (S)'
                : 'Start a new run (S)')
          }
        >
          {resumes ? 'Resume' : changed.length ? 'Start new run' : 'Start'} <kbd>S</kbd>
        </button>
        <button
          type="button"
          onClick={pauseRun}
          disabled={!active}
          aria-keyshortcuts={SHORTCUTS.pause}
          title="Pause after the current step (P)"
        >
          Pause <kbd>P</kbd>
        </button>
        <button
          type="button"
          onClick={stepRun}
          disabled={active || !!blocker}
          aria-keyshortcuts={SHORTCUTS.step}
          title="One optimizer step (N)"
        >
          Step <kbd>N</kbd>
        </button>
        <button
          type="button"
          onClick={resetRun}
          disabled={!run}
          aria-keyshortcuts={SHORTCUTS.reset}
          title="Set this run aside for a clean start: it is paused and stays in the runs list (R)"
        >
          Reset <kbd>R</kbd>
        </button>
      </div>
      {blocker && !run ? <p className="help">{blocker}</p> : null}
      {run && changed.length ? (
        <p className="help" aria-label="Changed settings">
          Settings differ from this run’s ({changed.slice(0, 4).join(', ')}
          {changed.length > 4 ? ` and ${changed.length - 4} more` : ''}): Start begins a new run and keeps this one.{' '}
          <button type="button" className="link" onClick={() => applyRunSettings(run.id)}>
            Use this run’s settings
          </button>
        </p>
      ) : null}
      <div className="progress-row">
        <progress aria-label="Training progress" max={1} value={frac} />
        <span className="run-state" role="status" aria-label="Run state" data-state={state}>
          {state}
        </span>
      </div>
      <p className="progress-text" aria-label="Progress details">
        {p ? (
          <>
            {p.phase === 'shader-warmup'
              ? `compiling WebGPU shaders for the ${p.compiling ?? 'next'} phase${p.shadersTotal !== undefined ? `: ${p.shadersDone ?? 0} / ${p.shadersTotal}` : '…'}`
              : p.phase}{' '}
            · step {p.step} / {p.totalSteps} · {fmt(p.stepsPerSec)} steps/s · ETA {duration(p.etaSec)}
          </>
        ) : state === 'error' ? (
          'The run stopped with an error (below); Start begins a new run.'
        ) : activeId ? (
          'Waiting for the first step…'
        ) : (
          'No run yet: press Start.'
        )}
      </p>
      {run?.notice ? (
        <p className="notice" aria-label="Run notice">
          {run.notice}
        </p>
      ) : null}
      {storageNotice ? (
        <p className="notice" role="status" aria-label="Storage check">
          {storageNotice}{' '}
          <button type="button" className="link" onClick={() => useSessionStore.setState({ storageNotice: null })}>
            dismiss
          </button>
        </p>
      ) : null}
      {run?.message ? (
        <p className={state === 'error' ? 'error' : 'notice'} role="alert">
          {run.message}
        </p>
      ) : null}
      {lastError ? (
        <p className="error" role="alert">
          {lastError}
        </p>
      ) : null}
      <MemoryReadout runId={activeId} />
    </div>
  );
}
