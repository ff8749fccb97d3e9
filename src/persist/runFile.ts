/**
 * One run as one file: summary, metrics, evaluations and the latest checkpoint.
 * Layout: 8 bytes magic "CRLRUN01", u32 little-endian JSON byte length, the JSON, then the
 * checkpoint bytes (possibly empty). The JSON says how long the checkpoint is, so truncation is caught.
 */
import type { EvalRecord, MetricRow, RunSummary } from '../runtime/types.ts';

export interface RunFile {
  summary: RunSummary;
  metrics: MetricRow[];
  evals: EvalRecord[];
  checkpoint?: { step: number; buffer: ArrayBuffer };
}

const MAGIC = 'CRLRUN01';

export function encodeRunFile(run: RunFile): ArrayBuffer {
  const head = {
    format: MAGIC,
    summary: run.summary,
    metrics: run.metrics,
    evals: run.evals,
    checkpoint: run.checkpoint ? { step: run.checkpoint.step, bytes: run.checkpoint.buffer.byteLength } : null,
  };
  const json = new TextEncoder().encode(JSON.stringify(head));
  const ck = run.checkpoint ? new Uint8Array(run.checkpoint.buffer) : new Uint8Array(0);
  const out = new Uint8Array(8 + 4 + json.length + ck.length);
  out.set(new TextEncoder().encode(MAGIC), 0);
  new DataView(out.buffer).setUint32(8, json.length, true);
  out.set(json, 12);
  out.set(ck, 12 + json.length);
  return out.buffer;
}

/** Parses a run file; throws an Error that says what is wrong with it. */
export function decodeRunFile(buffer: ArrayBuffer): RunFile {
  const bytes = new Uint8Array(buffer);
  if (bytes.length < 12 || new TextDecoder().decode(bytes.subarray(0, 8)) !== MAGIC)
    throw new Error('not a ContextRL Lab run file (bad magic)');
  const n = new DataView(buffer).getUint32(8, true);
  if (12 + n > bytes.length)
    throw new Error(`run file is truncated (header says ${n} bytes of JSON, file has ${bytes.length - 12})`);
  let head: {
    summary?: RunSummary;
    metrics?: MetricRow[];
    evals?: EvalRecord[];
    checkpoint?: { step: number; bytes: number } | null;
  };
  try {
    head = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(12, 12 + n)));
  } catch (e) {
    throw new Error(`run file header is not valid JSON: ${(e as Error).message}`, { cause: e });
  }
  if (!head.summary || typeof head.summary.id !== 'string' || !head.summary.config)
    throw new Error('run file has no run summary');
  if (!Array.isArray(head.metrics) || !Array.isArray(head.evals))
    throw new Error('run file has no metrics or evaluations list');
  let checkpoint: RunFile['checkpoint'];
  if (head.checkpoint) {
    const start = 12 + n;
    if (start + head.checkpoint.bytes !== bytes.length)
      throw new Error(
        `run file checkpoint is truncated (expected ${head.checkpoint.bytes} bytes, found ${bytes.length - start})`,
      );
    checkpoint = { step: head.checkpoint.step, buffer: buffer.slice(start, start + head.checkpoint.bytes) };
  }
  return { summary: head.summary, metrics: head.metrics, evals: head.evals, checkpoint };
}
