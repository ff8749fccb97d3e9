/**
 * Importing a pairs file without blocking the page: the file's size is checked before it is read,
 * then it is parsed in a worker (src/ui/lib/pairsWorker.ts) that reports progress; without workers
 * (tests in Node) the same parser runs here. A 50 MB file used to hold the main thread for 80 s.
 */
import { parsePairsJsonl, type JsonlError } from '../../tasks/jsonl.ts';
import type { Pair } from '../../tasks/types.ts';

/** Largest pairs file the page reads (the CLI, npm run data -- validate, has no such limit). */
export const MAX_PAIRS_FILE_BYTES = 64 * 1024 * 1024;
/** Pairs per message from the worker. */
const SLICE = 2000;

export type ToPairsWorker = { bytes: ArrayBuffer; keepValid: boolean; slice: number };
export type FromPairsWorker =
  | { type: 'progress'; done: number; total: number }
  | { type: 'pairs'; pairs: Pair[] }
  | { type: 'done'; errors: JsonlError[] }
  | { type: 'failed'; message: string };

export interface PairImport {
  pairs: Pair[];
  errors: JsonlError[];
}

export type Progress = (done: number, total: number) => void;

function mb(n: number): string {
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

/** Parses bytes in a worker; resolves with the pairs and the errors (never rejects for a bad file). */
function inWorker(bytes: ArrayBuffer, onProgress: Progress): Promise<PairImport> {
  return new Promise((resolve, reject) => {
    let worker: Worker;
    try {
      worker = new Worker(new URL('./pairsWorker.ts', import.meta.url), { type: 'module', name: 'pairs-import' });
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
        if (m.type === 'done') resolve({ pairs, errors: m.errors });
        else resolve({ pairs: [], errors: [{ line: 0, message: `the file could not be read: ${m.message}` }] });
      }
    });
    worker.addEventListener('error', (e) => {
      e.preventDefault();
      worker.terminate();
      reject(new Error(e.message || 'the import worker failed'));
    });
    // A copy travels, so that the page can still parse the original if the worker dies on the way.
    const copy = bytes.slice(0);
    worker.postMessage({ bytes: copy, keepValid: true, slice: SLICE } satisfies ToPairsWorker, [copy]);
  });
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
  if (typeof Worker !== 'undefined') {
    try {
      return await inWorker(bytes, onProgress);
    } catch {
      // No module workers here (or the worker failed to start): parse on this thread.
    }
  }
  return parsePairsJsonl(new Uint8Array(bytes), { keepValid: true, onProgress });
}
