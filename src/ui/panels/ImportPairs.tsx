/**
 * A file picker that imports pairs from JSON Lines into the inspector, keeping the valid lines and
 * listing the errors. The file is parsed off the main thread with a progress bar (src/ui/lib/pairImport.ts).
 */
import { useState } from 'react';
import { addPairSource, selectPair } from '../../store/inspector.ts';
import { importPairsFile } from '../lib/pairImport.ts';

export function ImportPairs() {
  const [busy, setBusy] = useState<{ name: string; done: number; total: number; receiving?: boolean } | null>(null);
  return (
    <>
      <label className="file-button">
        Import pairs (JSONL)
        <input
          type="file"
          accept=".jsonl,.json,application/jsonl,text/plain"
          aria-label="Import pairs (JSONL)"
          disabled={busy !== null}
          onChange={async (e) => {
            const f = e.target.files?.[0];
            e.target.value = '';
            if (!f) return;
            setBusy({ name: f.name, done: 0, total: 0 });
            try {
              const r = await importPairsFile(f, (done, total, phase) =>
                setBusy({ name: f.name, done, total, receiving: phase === 'receiving' }),
              );
              addPairSource({ name: `imported: ${f.name}`, pairs: r.pairs, errors: r.errors, facets: r.facets });
              selectPair(r.pairs[0]?.id ?? null);
            } catch (err) {
              const message = `the file could not be read: ${(err as Error).message ?? String(err)}`;
              addPairSource({ name: `imported: ${f.name}`, pairs: [], errors: [{ line: 0, message }] });
            } finally {
              setBusy(null);
            }
          }}
        />
      </label>
      {busy ? (
        <span className="progress-inline" role="status" aria-label="Import progress">
          {busy.receiving ? 'Loading' : 'Reading'} {busy.name}
          {busy.total
            ? `: ${busy.done.toLocaleString()} of ${busy.total.toLocaleString()} ${busy.receiving ? 'pairs' : 'lines'}`
            : '…'}{' '}
          <progress max={busy.total || 1} value={busy.total ? busy.done : undefined} />
        </span>
      ) : null}
    </>
  );
}
