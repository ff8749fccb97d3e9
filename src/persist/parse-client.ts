/**
 * The page's side of the parsing worker: parseFile(kind, file, onProgress) resolves with the
 * validated content or rejects with a FileError whose lines name the file, the field and the rule.
 * Where module workers are unavailable (or the worker fails to start) it parses on the main thread.
 */
import { FileError } from '../config/file-schemas.ts';
import { parseBlob, type ParseKind, type ParseProgress, type ParseStage, type Parsed } from './parse.ts';

export interface ParseRequest {
  id: number;
  kind: ParseKind;
  file: Blob;
  name: string;
}

export type ParseReply =
  | { id: number; type: 'progress'; stage: ParseStage; fraction: number }
  | { id: number; type: 'done'; value: unknown }
  | { id: number; type: 'error'; issues: string[] };

interface Pending {
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
  onProgress: ParseProgress;
  request: ParseRequest;
}

let worker: Worker | null | undefined;
let nextId = 1;
const pending = new Map<number, Pending>();

function fallBack(reason: string): void {
  worker?.terminate();
  worker = null;
  for (const [id, p] of pending) {
    pending.delete(id);
    void parseBlob(p.request.kind, p.request.file, p.request.name, p.onProgress).then(p.resolve, p.reject);
  }
  console.warn(`Parsing files on the main thread: ${reason}`);
}

function getWorker(): Worker | null {
  if (worker !== undefined) return worker;
  if (typeof Worker === 'undefined') return (worker = null);
  try {
    worker = new Worker(new URL('./parse-worker.ts', import.meta.url), { type: 'module', name: 'contextrl-parser' });
  } catch {
    return (worker = null);
  }
  worker.addEventListener('message', (e: MessageEvent<ParseReply>) => {
    const m = e.data;
    const p = pending.get(m.id);
    if (!p) return;
    if (m.type === 'progress') p.onProgress(m.stage, m.fraction);
    else {
      pending.delete(m.id);
      if (m.type === 'done') p.resolve(m.value);
      else p.reject(new FileError(p.request.name, m.issues));
    }
  });
  worker.addEventListener('error', (e) => {
    e.preventDefault();
    fallBack(e.message || 'the parsing worker failed to start');
  });
  return worker;
}

/** Reads, parses and validates a file off the main thread. */
export function parseFile<K extends ParseKind>(
  kind: K,
  file: Blob,
  name: string,
  onProgress: ParseProgress = () => undefined,
): Promise<Parsed<K>> {
  const w = getWorker();
  if (!w) return parseBlob(kind, file, name, onProgress);
  return new Promise<Parsed<K>>((resolve, reject) => {
    const id = nextId++;
    const request: ParseRequest = { id, kind, file, name };
    pending.set(id, { resolve: resolve as (v: unknown) => void, reject, onProgress, request });
    w.postMessage(request);
  });
}
