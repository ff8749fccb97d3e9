/**
 * Pair sets without blocking the page: an imported file's size is checked before it is read, then
 * it is parsed in a worker (src/ui/lib/pairsWorker.ts) that reports progress; a run's probe set and
 * a domain sample are generated there too. Without workers (tests in Node) the same code runs here.
 * A 50 MB file used to hold the main thread for 80 s, and 100,000 probe pairs for 27 s.
 */
import type { RunConfig } from '../../config/fields.ts';
import { parsePairsJsonl, type JsonlError } from '../../tasks/jsonl.ts';
import type { DomainName, Funnel, Knobs, Pair } from '../../tasks/types.ts';
import { runProbePairs, samplePairs } from './pairSources.ts';

/** Largest pairs file the page reads (the CLI, npm run data -- validate, has no such limit). */
export const MAX_PAIRS_FILE_BYTES = 64 * 1024 * 1024;
/** Pairs per message from the worker. */
const SLICE = 2000;

export type ToPairsWorker =
  | { type: 'parse'; bytes: ArrayBuffer; keepValid: boolean; slice: number }
  | { type: 'probe'; config: RunConfig; slice: number }
  | { type: 'sample'; domain: DomainName; seed: number; n: number; knobs: Knobs; slice: number };
export type FromPairsWorker =
  | { type: 'progress'; done: number; total: number }
  | { type: 'pairs'; pairs: Pair[] }
  | { type: 'done'; errors: JsonlError[]; funnel?: Funnel; missing?: boolean }
  | { type: 'failed'; message: string };

export interface PairImport {
  pairs: Pair[];
  errors: JsonlError[];
  funnel?: Funnel;
  /** A probe request for a domain without a pair builder. */
  missing?: boolean;
}

export type Progress = (done: number, total: number) => void;

function mb(n: number): string {
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

/** Runs one request in a worker; resolves with the pairs and the errors (never rejects for a bad file). */
function inWorker(request: ToPairsWorker, onProgress: Progress, transfer: Transferable[] = []): Promise<PairImport> {
  return new Promise((resolve, reject) => {
    let worker: Worker;
    try {
      worker = new Worker(new URL('./pairsWorker.ts', import.meta.url), { type: 'module', name: 'pairs' });
    } catch (e) {
      reject(e as Error);
      return;
    }
    const pairs: Pair[] = [];
    worker.addEventListener('message', (e: MessageEvent<FromPairsWorker>) => {
      const m = e.data;
      if (m.type === 'progress') onProgress(m.done, m.total);
      else if (m.type === 'pairs') for (const p of m.pairs) pairs.push(p);
      else {
        worker.terminate();
        if (m.type === 'done') resolve({ pairs, errors: m.errors, funnel: m.funnel, missing: m.missing });
        else resolve({ pairs: [], errors: [{ line: 0, message: `the pairs could not be read: ${m.message}` }] });
      }
    });
    worker.addEventListener('error', (e) => {
      e.preventDefault();
      worker.terminate();
      reject(new Error(e.message || 'the pairs worker failed'));
    });
    worker.postMessage(request, transfer);
  });
}

/** In a worker where the browser has them; here otherwise (Node, or a worker that failed to start). */
async function offThread(
  request: ToPairsWorker,
  here: () => PairImport,
  onProgress: Progress,
  transfer?: Transferable[],
): Promise<PairImport> {
  if (typeof Worker !== 'undefined') {
    try {
      return await inWorker(request, onProgress, transfer);
    } catch {
      // No module workers here (or the worker failed to start): do it on this thread.
    }
  }
  try {
    return here();
  } catch (e) {
    return { pairs: [], errors: [{ line: 0, message: `the pairs could not be made: ${(e as Error).message}` }] };
  }
}

/** A run's selection probe, generated off the main thread (1000 probe pairs take a second or more). */
export function probePairsOffThread(config: RunConfig): Promise<PairImport> {
  return offThread(
    { type: 'probe', config, slice: SLICE },
    () => {
      const pairs = runProbePairs(config);
      return { pairs: pairs ?? [], errors: [], missing: pairs === null };
    },
    () => undefined,
  );
}

/** A seeded sample of a domain's pair builder, with its funnel, generated off the main thread. */
export function samplePairsOffThread(domain: DomainName, seed: number, n: number, knobs: Knobs): Promise<PairImport> {
  return offThread(
    { type: 'sample', domain, seed, n, knobs, slice: SLICE },
    () => {
      const r = samplePairs(domain, seed, n, knobs);
      const errors = r.error ? [{ line: 0, message: `the ${domain} pair builder failed: ${r.error}` }] : [];
      return { pairs: r.pairs, funnel: r.funnel, errors };
    },
    () => undefined,
  );
}

/**
 * A pairs file's valid pairs and every error by line. The size is checked from the file's length
 * before anything is read; the parse runs off the main thread where the browser allows.
 */
export async function importPairsFile(
  file: { size: number; arrayBuffer(): Promise<ArrayBuffer> },
  onProgress: Progress = () => undefined,
): Promise<PairImport> {
  if (file.size > MAX_PAIRS_FILE_BYTES)
    return {
      pairs: [],
      errors: [
        {
          line: 0,
          message:
            `the file is ${mb(file.size)}, more than the ${mb(MAX_PAIRS_FILE_BYTES)} the page imports: ` +
            'split it (npm run data -- validate checks a file of any size)',
        },
      ],
    };
  const bytes = await file.arrayBuffer();
  // A copy travels, so that the page can still parse the original if the worker dies on the way.
  const copy = bytes.slice(0);
  return offThread(
    { type: 'parse', bytes: copy, keepValid: true, slice: SLICE },
    () => parsePairsJsonl(new Uint8Array(bytes), { keepValid: true, onProgress }),
    onProgress,
    [copy],
  );
}
