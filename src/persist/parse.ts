/**
 * Reading what a person hands the lab (a run file, a results.json): the bytes are read in chunks
 * with progress, their sizes checked before anything is decoded, then parsed and validated with
 * the schemas of src/config/file-schemas.ts. The parsing worker (parse-worker.ts) runs these off
 * the main thread; parse-client.ts is the page's side, with a main-thread fallback.
 */
import { FileError, LIMITS, parseResultsJson } from '../config/file-schemas.ts';
import type { ResultRow } from '../results/results.ts';
import { decodeRunFile, type RunFile } from './runFile.ts';

export type ParseKind = 'run' | 'results';
export type ParseStage = 'reading' | 'parsing' | 'checking';
export type ParseProgress = (stage: ParseStage, fraction: number) => void;

export type Parsed<K extends ParseKind> = K extends 'run' ? RunFile : ResultRow[];

/** The largest file of each kind, checked from the file's length before reading it. */
export const MAX_BYTES: Record<ParseKind, number> = {
  run: 12 + LIMITS.runHeadBytes + LIMITS.checkpointBytes,
  results: LIMITS.resultsBytes,
};

/** The whole blob as bytes, read in chunks with `onProgress(fraction)`. */
export async function readBlob(blob: Blob, onProgress: (fraction: number) => void): Promise<ArrayBuffer> {
  const size = blob.size;
  if (typeof blob.stream !== 'function' || size === 0) return blob.arrayBuffer();
  const out = new Uint8Array(size);
  const reader = blob.stream().getReader();
  let at = 0;
  let lastReport = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    out.set(value.subarray(0, Math.max(0, size - at)), at);
    at += value.length;
    if (at - lastReport > size / 50) {
      lastReport = at;
      onProgress(Math.min(1, at / size));
    }
  }
  onProgress(1);
  return out.buffer;
}

/** Checks the size, reads and parses one file of `kind`. Throws FileError naming `name`. */
export async function parseBlob<K extends ParseKind>(
  kind: K,
  blob: Blob,
  name: string,
  onProgress: ParseProgress = () => undefined,
): Promise<Parsed<K>> {
  if (blob.size > MAX_BYTES[kind])
    throw new FileError(name, [
      `${name}: (file): ${blob.size} bytes is more than the ${MAX_BYTES[kind]} a ${kind === 'run' ? 'run file' : 'results file'} may have`,
    ]);
  onProgress('reading', 0);
  const buffer = await readBlob(blob, (f) => onProgress('reading', f));
  return parseBuffer(kind, buffer, name, onProgress);
}

export function parseBuffer<K extends ParseKind>(
  kind: K,
  buffer: ArrayBuffer,
  name: string,
  onProgress: ParseProgress = () => undefined,
): Parsed<K> {
  if (kind === 'run') return decodeRunFile(buffer, name, (stage) => onProgress(stage, 0)) as Parsed<K>;
  onProgress('parsing', 0);
  return parseResultsJson(new Uint8Array(buffer), name) as Parsed<K>;
}
