/** Runs on this page: pick the active one, export metrics (CSV, JSON) or the whole run as a file, import a run file. */
import { useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { RunSummary } from '../../runtime/types.ts';
import { decodeRunFile, encodeRunFile } from '../../persist/runFile.ts';
import { appendMetrics, useMetricsStore } from '../../store/metrics.ts';
import { useBackendStore } from '../../store/backend.ts';
import {
  addRun,
  newRunEntry,
  setActiveRun,
  usedBackend,
  useRunsStore,
  withEval,
  type RunEntry,
} from '../../store/runs.ts';
import { latestCheckpoint } from '../../store/session.ts';
import { Empty, Panel } from '../components/Panel.tsx';
import { download, fileStem, metricsToCsv, runToFile } from '../lib/exportData.ts';

function exportRun(id: string, kind: 'csv' | 'json' | 'run'): void {
  const run = useRunsStore.getState().runs[id];
  const rows = useMetricsStore.getState().byRun[id]?.rows ?? [];
  if (!run) return;
  const stem = fileStem(run.name);
  if (kind === 'csv') download(`${stem}.metrics.csv`, metricsToCsv(rows), 'text/csv');
  else if (kind === 'json') download(`${stem}.metrics.json`, JSON.stringify(runToFile(run, rows)), 'application/json');
  else {
    const summary: RunSummary = {
      id: run.id,
      name: run.name,
      config: run.config,
      createdAt: run.createdAt,
      state: run.state,
      step: run.progress?.step ?? 0,
      backend: usedBackend(run, useBackendStore.getState().status?.name),
    };
    download(
      `${stem}.crlrun`,
      new Blob([encodeRunFile({ summary, metrics: rows, evals: run.evals, checkpoint: latestCheckpoint(id) })]),
    );
  }
}

async function importRun(file: File): Promise<void> {
  const f = decodeRunFile(await file.arrayBuffer());
  const s = f.summary;
  let entry: RunEntry = {
    ...newRunEntry(s.id, `${s.name} (imported)`, s.config, s.createdAt),
    state: s.state === 'running' || s.state === 'warming' ? ('paused' as const) : s.state,
    backend: s.backend,
    imported: true,
  };
  for (const e of f.evals) entry = withEval(entry, e);
  addRun(entry);
  appendMetrics(s.id, f.metrics);
}

export function ExportPanel() {
  const runs = useRunsStore(useShallow((s) => s.order.map((id) => s.runs[id])));
  const activeId = useRunsStore((s) => s.activeId);
  const [error, setError] = useState<string | null>(null);
  return (
    <Panel name="Runs and export">
      {runs.length === 0 ? (
        <Empty>No runs yet: Start one, or import a run file exported from this lab.</Empty>
      ) : (
        <ul className="runs" aria-label="Runs">
          {runs.map((r) => (
            <li key={r.id} className={r.id === activeId ? 'active' : ''}>
              <label>
                <input type="radio" name="active-run" checked={r.id === activeId} onChange={() => setActiveRun(r.id)} />{' '}
                {r.name}
              </label>
              <span className="help">
                {' '}
                {r.state}
                {r.progress ? ` · step ${r.progress.step}` : ''}
              </span>
              <div className="export-buttons">
                <button
                  type="button"
                  onClick={() => exportRun(r.id, 'csv')}
                  aria-label={`Export ${r.name} metrics as CSV`}
                >
                  CSV
                </button>
                <button
                  type="button"
                  onClick={() => exportRun(r.id, 'json')}
                  aria-label={`Export ${r.name} metrics as JSON`}
                >
                  JSON
                </button>
                <button
                  type="button"
                  onClick={() => exportRun(r.id, 'run')}
                  aria-label={`Export ${r.name} as a run file`}
                >
                  Run file
                </button>
              </div>
            </li>
          ))}
        </ul>
      )}
      <label className="file-button">
        Import run file
        <input
          type="file"
          accept=".crlrun,application/octet-stream"
          aria-label="Import run file"
          onChange={async (e) => {
            const file = e.target.files?.[0];
            e.target.value = '';
            if (!file) return;
            try {
              await importRun(file);
              setError(null);
            } catch (err) {
              setError(`${file.name}: ${(err as Error).message}`);
            }
          }}
        />
      </label>
      {error ? (
        <p className="error" role="alert">
          {error}
        </p>
      ) : null}
      <p className="help">Each chart has its own PNG button.</p>
    </Panel>
  );
}
