/**
 * The inspector's pair worker: parses a JSON Lines file (UTF-8 decoding, JSON, the schema, PNG
 * decoding) or generates a pair set (a run's selection probe, a seeded sample) off the main
 * thread, reporting progress, and sends the pairs back in slices so that no single message takes
 * the page long to receive. Protocol: src/ui/lib/pairImport.ts.
 */
import { parsePairsJsonl } from '../../tasks/jsonl.ts';
import type { Pair } from '../../tasks/types.ts';
import type { FromPairsWorker, ToPairsWorker } from './pairImport.ts';
import { runProbePairs, samplePairs } from './pairSources.ts';

const scope = self as unknown as DedicatedWorkerGlobalScope;
const send = (m: FromPairsWorker) => scope.postMessage(m);

function sendPairs(pairs: Pair[], slice: number) {
  for (let i = 0; i < pairs.length; i += slice) send({ type: 'pairs', pairs: pairs.slice(i, i + slice) });
}

scope.addEventListener('message', (e: MessageEvent<ToPairsWorker>) => {
  const m = e.data;
  try {
    if (m.type === 'parse') {
      const r = parsePairsJsonl(new Uint8Array(m.bytes), {
        keepValid: m.keepValid,
        onProgress: (done, total) => send({ type: 'progress', done, total }),
      });
      sendPairs(r.pairs, m.slice);
      send({ type: 'done', errors: r.errors });
    } else if (m.type === 'probe') {
      const pairs = runProbePairs(m.config);
      if (pairs) sendPairs(pairs, m.slice);
      send({ type: 'done', errors: [], missing: pairs === null });
    } else {
      const r = samplePairs(m.domain, m.seed, m.n, m.knobs);
      sendPairs(r.pairs, m.slice);
      send({
        type: 'done',
        funnel: r.funnel,
        errors: r.error ? [{ line: 0, message: `the ${m.domain} pair builder failed: ${r.error}` }] : [],
      });
    }
  } catch (err) {
    send({ type: 'failed', message: (err as Error).message ?? String(err) });
  }
});
