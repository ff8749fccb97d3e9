/**
 * The inspector's pair worker: parses a JSON Lines file (UTF-8 decoding, JSON, the schema, PNG
 * decoding) or generates a pair set (a run's selection probe, a seeded sample) off the main
 * thread, reporting progress, and hands the pairs back one slice per request from the page, so
 * that no message takes the page long to receive. Protocol: src/ui/lib/pairImport.ts.
 */
import { parsePairsJsonl } from '../../tasks/jsonl.ts';
import { pairFacets } from './pairFilter.ts';
import { pairStream, type FromPairsWorker, type ToPairsWorker } from './pairImport.ts';
import { runProbePairs, samplePairs } from './pairSources.ts';

const scope = self as unknown as DedicatedWorkerGlobalScope;
const send = (m: FromPairsWorker) => scope.postMessage(m);
/** The file's bytes; a file moved, changed or deleted since it was picked cannot be read. */
async function readFile(file: Blob): Promise<ArrayBuffer> {
  try {
    return await file.arrayBuffer();
  } catch (e) {
    const name = (e as Error).name;
    if (name === 'NotFoundError' || name === 'NotReadableError')
      throw new Error('the file was moved, changed or deleted after it was picked; pick it again', { cause: e });
    throw e;
  }
}

/** The answer being handed over, one slice per 'more'. */
let next: ((slice: number) => boolean) | null = null;

scope.addEventListener('message', async (e: MessageEvent<ToPairsWorker>) => {
  const m = e.data;
  try {
    if (m.type === 'more') {
      if (next && !next(m.slice)) next = null;
      return;
    }
    if (m.type === 'parse') {
      const bytes = m.file instanceof ArrayBuffer ? m.file : await readFile(m.file);
      const r = parsePairsJsonl(new Uint8Array(bytes), {
        keepValid: m.keepValid,
        onProgress: (done, total) => send({ type: 'progress', done, total }),
      });
      next = pairStream(r.pairs, { type: 'done', errors: r.errors, facets: pairFacets(r.pairs) }, send);
    } else if (m.type === 'probe') {
      const pairs = runProbePairs(m.config);
      next = pairStream(
        pairs ?? [],
        { type: 'done', errors: [], missing: pairs === null, facets: pairFacets(pairs ?? []) },
        send,
      );
    } else {
      const r = samplePairs(m.domain, m.seed, m.n, m.knobs);
      const errors = r.error ? [{ line: 0, message: `the ${m.domain} pair builder failed: ${r.error}` }] : [];
      next = pairStream(r.pairs, { type: 'done', funnel: r.funnel, errors, facets: pairFacets(r.pairs) }, send);
    }
    if (!next(m.slice)) next = null;
  } catch (err) {
    send({ type: 'failed', message: (err as Error).message ?? String(err) });
  }
});
