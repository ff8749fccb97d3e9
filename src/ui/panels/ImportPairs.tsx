/** A file picker that imports pairs from JSON Lines into the inspector, keeping the valid lines and listing the errors. */
import { addPairSource, selectPair } from '../../store/inspector.ts';
import { importPairs } from '../lib/pairSources.ts';

export function ImportPairs() {
  return (
    <label className="file-button">
      Import pairs (JSONL)
      <input
        type="file"
        accept=".jsonl,.json,application/jsonl,text/plain"
        aria-label="Import pairs (JSONL)"
        onChange={async (e) => {
          const f = e.target.files?.[0];
          e.target.value = '';
          if (!f) return;
          const r = importPairs(new Uint8Array(await f.arrayBuffer()));
          addPairSource({ name: `imported: ${f.name}`, pairs: r.pairs, errors: r.errors });
          selectPair(r.pairs[0]?.id ?? null);
        }}
      />
    </label>
  );
}
