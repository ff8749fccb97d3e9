/**
 * The pairs importer's worker: parses a JSON Lines file (UTF-8 decoding, JSON, the schema, PNG
 * decoding) off the main thread, reporting progress, and sends the pairs back in slices so that no
 * single message takes the page long to receive. Protocol: src/ui/lib/pairImport.ts.
 */
import { parsePairsJsonl } from '../../tasks/jsonl.ts';
import type { FromPairsWorker, ToPairsWorker } from './pairImport.ts';

const scope = self as unknown as DedicatedWorkerGlobalScope;
const send = (m: FromPairsWorker) => scope.postMessage(m);

scope.addEventListener('message', (e: MessageEvent<ToPairsWorker>) => {
  try {
    const r = parsePairsJsonl(new Uint8Array(e.data.bytes), {
      keepValid: e.data.keepValid,
      onProgress: (done, total) => send({ type: 'progress', done, total }),
    });
    for (let i = 0; i < r.pairs.length; i += e.data.slice)
      send({ type: 'pairs', pairs: r.pairs.slice(i, i + e.data.slice) });
    send({ type: 'done', errors: r.errors });
  } catch (err) {
    send({ type: 'failed', message: (err as Error).message ?? String(err) });
  }
});
