/** Runs on this page: pick the active one, export metrics (CSV, JSON) or the whole run as a file, import a run file. */
import { useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { parseFile } from '../../persist/parse-client.ts';
import type { ParseStage } from '../../persist/parse.ts';
import { useMetricsStore } from '../../store/metrics.ts';
import { exportRunFile, importRun } from '../../store/persistence.ts';
import { setActiveRun, useRunsStore } from '../../store/runs.ts';
import { deleteRun, dismissUndo, undoDelete, useSessionStore } from '../../store/session.ts';
import { Empty, Panel, guardPanel } from '../components/Panel.tsx';
import { download, fileStem, metricsToCsv, runToFile } from '../lib/exportData.ts';

async function exportRun(id: string, kind: 'csv' | 'json' | 'run'): Promise<void> {
  const run = useRunsStore.getState().runs[id];
  const rows = useMetricsStore.getState().byRun[id]?.rows ?? [];
  if (!run) return;
  const stem = fileStem(run.name);
  if (kind === 'csv') download(`${stem}.metrics.csv`, metricsToCsv(rows), 'text/csv');
  else if (kind === 'json') download(`${stem}.metrics.json`, JSON.stringify(runToFile(run, rows)), 'application/json');
  else {
    const file = await exportRunFile(id);
    if (file) download(`${stem}.crlrun`, new Blob([file]));
  }
}

const STAGE_WORDS: Record<ParseStage, string> = {
  reading: 'Reading',
  parsing: 'Parsing',
  checking: 'Checking',
};

/** Reads, checks and adds a run file off the main thread; progress and errors go to the panel. */
function useRunImport() {
  const [progress, setProgress] = useState<{ name: string; stage: ParseStage; fraction: number } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const start = async (file: File) => {
    setError(null);
    setProgress({ name: file.name, stage: 'reading', fraction: 0 });
    try {
      const parsed = await parseFile('run', file, file.name, (stage, fraction) =>
        setProgress({ name: file.name, stage, fraction }),
      );
      const id = await importRun(parsed);
      setActiveRun(id);
    } catch (err) {
      setError((err as Error).message ?? String(err));
    } finally {
      setProgress(null);
    }
  };
  return { progress, error, start };
}

function UndoBar() {
  const undo = useSessionStore((s) => s.undo);
  if (!undo) return null;
  return (
    <p className="notice undo" role="status" aria-label="Deleted run">
      Deleted “{undo.name}”.{' '}
      <button type="button" className="link" onClick={undoDelete}>
        Undo
      </button>{' '}
      <button type="button" className="link" onClick={dismissUndo} aria-label="Delete for good now">
        ×
      </button>
    </p>
  );
}

function ExportPanelBody() {
  const runs = useRunsStore(useShallow((s) => s.order.map((id) => s.runs[id])));
  const activeId = useRunsStore((s) => s.activeId);
  const { progress, error, start } = useRunImport();
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
                  onClick={() => void exportRun(r.id, 'csv')}
                  aria-label={`Export ${r.name} metrics as CSV`}
                >
                  CSV
                </button>
                <button
                  type="button"
                  onClick={() => void exportRun(r.id, 'json')}
                  aria-label={`Export ${r.name} metrics as JSON`}
                >
                  JSON
                </button>
                <button
                  type="button"
                  onClick={() => void exportRun(r.id, 'run')}
                  aria-label={`Export ${r.name} as a run file`}
                >
                  Run file
                </button>
                <button type="button" onClick={() => deleteRun(r.id)} aria-label={`Delete ${r.name}`}>
                  Delete
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
          disabled={progress !== null}
          onChange={(e) => {
            const file = e.target.files?.[0];
            e.target.value = '';
            if (file) void start(file);
          }}
        />
      </label>
      {progress ? (
        <p className="import-progress" aria-label="Import progress">
          {STAGE_WORDS[progress.stage]} {progress.name}
          {progress.stage === 'reading' ? `: ${Math.round(progress.fraction * 100)}%` : '…'}{' '}
          <progress max={1} value={progress.stage === 'reading' ? progress.fraction : undefined} />
        </p>
      ) : null}
      {error ? (
        <p className="error" role="alert" style={{ whiteSpace: 'pre-line' }}>
          {error}
        </p>
      ) : null}
      <UndoBar />
      <p className="help">Each chart has its own PNG button.</p>
    </Panel>
  );
}

/** The panel, inside its error boundary. */
export const ExportPanel = guardPanel('Runs and export', ExportPanelBody);
