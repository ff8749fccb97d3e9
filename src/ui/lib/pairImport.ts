/**
 * Pair sets without blocking the page: an imported file's size is checked before it is read, then
 * it is parsed in a worker (src/ui/lib/pairsWorker.ts) that reports progress; a run's probe set and
 * a domain sample are generated there too. Without workers (tests in Node) the same code runs here.
 * A 50 MB file used to hold the main thread for 80 s, and 100,000 probe pairs for 27 s.
 *
 * The pairs come back in slices that the page asks for one at a time ('more'), each sized so that
 * receiving it takes the page about SLICE_TARGET_MS: receiving a message is the page's work (the
 * browser rebuilds the objects on this thread), and slices pushed all at once queued up so that
 * frames waited 100-300 ms. The file itself travels as a Blob and is read in the worker.
 */
import type { RunConfig } from '../../config/fields.ts';
import { parsePairsJsonl, type JsonlError } from '../../tasks/jsonl.ts';
import type { PairFacets } from '../../store/inspector.ts';
import type { DomainName, Funnel, Knobs, Pair } from '../../tasks/types.ts';
import { runProbePairs, samplePairs } from './pairSources.ts';

/** Largest pairs file the page reads (the CLI, npm run data -- validate, has no such limit). */
export const MAX_PAIRS_FILE_BYTES = 64 * 1024 * 1024;
/** Pairs in the worker's first message; later slices are sized by nextSlice. */
const SLICE = 500;
/** How long the page may spend receiving one slice. */
export const SLICE_TARGET_MS = 8;
const SLICE_MIN = 50;
const SLICE_MAX = 20_000;

export type ToPairsWorker =
  | { type: 'parse'; file: Blob | ArrayBuffer; keepValid: boolean; slice: number }
  | { type: 'probe'; config: RunConfig; slice: number }
  | { type: 'sample'; domain: DomainName; seed: number; n: number; knobs: Knobs; slice: number }
  | { type: 'more'; slice: number };
export type FromPairsWorker =
  | { type: 'progress'; done: number; total: number }
  | { type: 'pairs'; pairs: Pair[]; sent: number; total: number }
  | { type: 'done'; errors: JsonlError[]; funnel?: Funnel; missing?: boolean; facets?: PairFacets }
  | { type: 'failed'; message: string };

/** The next slice's size: scaled so that receiving it takes about SLICE_TARGET_MS, at most doubling. */
export function nextSlice(slice: number, elapsedMs: number): number {
  const scaled = elapsedMs > 0 ? Math.round((slice * SLICE_TARGET_MS) / elapsedMs) : slice * 2;
  return Math.max(SLICE_MIN, Math.min(SLICE_MAX, slice * 2, scaled));
}

/**
 * The worker's side of the hand-over: the pairs go out one slice per request, then the closing
 * message. `post` sends one message; `next(slice)` sends the next one and says whether more follow.
 */
export function pairStream(
  pairs: Pair[],
  closing: Extract<FromPairsWorker, { type: 'done' }>,
  post: (m: FromPairsWorker) => void,
): (slice: number) => boolean {
  let at = 0;
  return (slice) => {
    if (at >= pairs.length) {
      post(closing);
      return false;
    }
    const n = Math.max(1, Math.floor(slice));
    post({ type: 'pairs', pairs: pairs.slice(at, at + n), sent: Math.min(pairs.length, at + n), total: pairs.length });
    at += n;
    return true;
  };
}

export interface PairImport {
  pairs: Pair[];
  errors: JsonlError[];
  funnel?: Funnel;
  /** A probe request for a domain without a pair builder. */
  missing?: boolean;
  /** Made in the worker, so that the page need not walk a big set for its filters. */
  facets?: PairFacets;
}

/** `phase` 'receiving' counts pairs handed to the page; otherwise lines parsed. */
export type Progress = (done: number, total: number, phase?: 'parsing' | 'receiving') => void;

function mb(n: number): string {
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

/**
 * Calls `f` once the page has drawn a frame (or after 50 ms where no frames come: a hidden tab).
 * Asking for the next slice only then keeps frames coming: with a reply always waiting, Chrome ran
 * message after message and drew a frame only every 90-100 ms.
 */
function afterFrame(f: () => void): void {
  let called = false;
  const once = () => {
    if (called) return;
    called = true;
    f();
  };
  if (typeof requestAnimationFrame === 'function') requestAnimationFrame(() => setTimeout(once, 0));
  setTimeout(once, 50);
}

/** Runs one request in a worker; resolves with the pairs and the errors (never rejects for a bad file). */
function inWorker(request: ToPairsWorker, onProgress: Progress): Promise<PairImport> {
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
      const t0 = performance.now();
      const m = e.data; // the browser rebuilds the message's objects here, on first access
      if (m.type === 'progress') onProgress(m.done, m.total, 'parsing');
      else if (m.type === 'pairs') {
        for (const p of m.pairs) pairs.push(p);
        onProgress(m.sent, m.total, 'receiving');
        const slice = nextSlice(m.pairs.length, performance.now() - t0);
        afterFrame(() => worker.postMessage({ type: 'more', slice }));
      } else {
        worker.terminate();
        if (m.type === 'done')
          resolve({ pairs, errors: m.errors, funnel: m.funnel, missing: m.missing, facets: m.facets });
        else resolve({ pairs: [], errors: [{ line: 0, message: `the pairs could not be read: ${m.message}` }] });
      }
    });
    worker.addEventListener('error', (e) => {
      e.preventDefault();
      worker.terminate();
      reject(new Error(e.message || 'the pairs worker failed'));
    });
    worker.postMessage(request);
  });
}

/** In a worker where the browser has them; here otherwise (Node, or a worker that failed to start). */
async function offThread(request: ToPairsWorker, here: () => PairImport, onProgress: Progress): Promise<PairImport> {
  if (typeof Worker !== 'undefined') {
    try {
      return await inWorker(request, onProgress);
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
  file: Blob | { size: number; arrayBuffer(): Promise<ArrayBuffer> },
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
  if (typeof Worker !== 'undefined' && typeof Blob !== 'undefined' && file instanceof Blob) {
    // The Blob travels by reference and is read in the worker: reading 60 MB here held the page 230 ms.
    try {
      return await inWorker({ type: 'parse', file, keepValid: true, slice: SLICE }, onProgress);
    } catch {
      // No module workers here (or the worker failed to start): parse on this thread below.
    }
  }
  const bytes = await file.arrayBuffer();
  try {
    return parsePairsJsonl(new Uint8Array(bytes), { keepValid: true, onProgress });
  } catch (e) {
    return { pairs: [], errors: [{ line: 0, message: `the pairs could not be read: ${(e as Error).message}` }] };
  }
}
