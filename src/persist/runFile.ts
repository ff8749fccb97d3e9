/**
 * One run as one file: summary, metrics, evaluations, selection records, the last step's rollouts
 * and the latest checkpoint.
 * Layout: 8 bytes magic "CRLRUN01", u32 little-endian JSON byte length, the JSON head, then the
 * checkpoint bytes (possibly empty). The head says how long the checkpoint is, so truncation is
 * caught. The head is versioned (src/config/file-schemas.ts): version 2 adds `version`, `selection`
 * and `rollouts`; files of version 1 (no `version`) are migrated when read. The container is
 * unchanged, so a version-1 reader still opens version-2 files (it ignores the new fields).
 * Decoding checks the sizes from the byte lengths before decoding anything, then validates the
 * head with the schema (the config with validateRunConfig); every error names the file, the field
 * path and the rule (FileError).
 */
import {
  FileError,
  LIMITS,
  RUN_FILE_VERSION,
  describeKind,
  identifyBytes,
  parseJsonText,
  parseRunCheckpointHeader,
  parseRunFileHead,
  utf8,
  type RunFileHead,
} from '../config/file-schemas.ts';
import type { EvalRecord, MetricRow, RolloutGroup, RunSummary, SelectionRecord } from '../runtime/types.ts';

/** A run's summary as stored and exported: RunSummary plus what resuming and provenance need. */
export interface RunRecord extends RunSummary {
  /** All units of the run (warm-start + DA-SFT + RL), once the runtime said. */
  totalSteps?: number;
  /** The unit of the latest stored checkpoint. */
  checkpointStep?: number;
  /** The run this one was forked from. */
  parentId?: string;
  /** The id the run had in the file it was imported from. */
  importedFrom?: string;
  /** Why the stored checkpoint cannot be used (the startup check says so; Resume starts over). */
  checkpointDamaged?: string;
  /** Set while a deletion can still be undone; such runs are purged at the next start. */
  deletedAt?: number;
  /** What the startup check repaired or flagged in this run's records. */
  notes?: string[];
}

export interface RunFile {
  summary: RunRecord;
  metrics: MetricRow[];
  evals: EvalRecord[];
  selection: SelectionRecord[];
  rollouts: { step: number; groups: RolloutGroup[] } | null;
  checkpoint?: { step: number; buffer: ArrayBuffer };
}

export const RUN_FILE_MAGIC = 'CRLRUN01';

export function encodeRunFile(run: RunFile): ArrayBuffer {
  const { deletedAt: _d, notes: _n, checkpointStep: _c, checkpointDamaged: _x, ...summary } = run.summary;
  const head = {
    format: RUN_FILE_MAGIC,
    version: RUN_FILE_VERSION,
    summary,
    metrics: run.metrics,
    evals: run.evals,
    selection: run.selection,
    rollouts: run.rollouts,
    checkpoint: run.checkpoint ? { step: run.checkpoint.step, bytes: run.checkpoint.buffer.byteLength } : null,
  };
  const json = new TextEncoder().encode(JSON.stringify(head));
  const ck = run.checkpoint ? new Uint8Array(run.checkpoint.buffer) : new Uint8Array(0);
  const out = new Uint8Array(8 + 4 + json.length + ck.length);
  out.set(new TextEncoder().encode(RUN_FILE_MAGIC), 0);
  new DataView(out.buffer).setUint32(8, json.length, true);
  out.set(json, 12);
  out.set(ck, 12 + json.length);
  return out.buffer;
}

export type DecodeStage = 'parsing' | 'checking';

/**
 * Parses and validates a run file; throws a FileError naming `source`, the field and the rule.
 * `onStage` says when the slow parts start (for a progress line).
 */
export function decodeRunFile(
  buffer: ArrayBuffer,
  source = 'run file',
  onStage: (stage: DecodeStage) => void = () => undefined,
): RunFile {
  const bytes = new Uint8Array(buffer);
  const fail = (message: string): never => {
    throw new FileError(source, [`${source}: ${message}`]);
  };
  const kind = identifyBytes(bytes.subarray(0, 4096));
  if (kind !== 'run-file')
    fail(`(file): this is ${describeKind(kind)}, not a run file (.crlrun, from a run's "Run file" button)`);
  if (bytes.length < 12) fail(`(file): ${bytes.length} bytes is too short for a run file (bad magic)`);
  const n = new DataView(buffer).getUint32(8, true);
  if (n > LIMITS.runHeadBytes)
    fail(
      `(head): the head is ${n} bytes, more than the ${LIMITS.runHeadBytes} a run file may have ` +
        `(at most ${LIMITS.metricRows} metric rows)`,
    );
  if (12 + n > bytes.length)
    fail(`(head): run file is truncated (header says ${n} bytes of JSON, file has ${bytes.length - 12})`);
  const rest = bytes.length - 12 - n;
  if (rest > LIMITS.checkpointBytes)
    fail(`checkpoint: ${rest} bytes is more than the ${LIMITS.checkpointBytes} a checkpoint may have`);
  onStage('parsing');
  const data = parseJsonText(utf8(bytes.subarray(12, 12 + n), source, 'the head'), source, 'the head');
  onStage('checking');
  const head: RunFileHead = parseRunFileHead(data, source);
  let checkpoint: RunFile['checkpoint'];
  if (head.checkpoint) {
    if (head.checkpoint.bytes !== rest)
      fail(
        `checkpoint.bytes: run file checkpoint is truncated (expected ${head.checkpoint.bytes} bytes, found ${rest})`,
      );
    const ck = buffer.slice(12 + n, 12 + n + rest);
    checkRunCheckpoint(ck, head.checkpoint.step, source);
    checkpoint = { step: head.checkpoint.step, buffer: ck };
  } else if (rest > 0) fail(`checkpoint: the head declares no checkpoint but ${rest} bytes follow it`);
  return {
    summary: head.summary as RunRecord,
    metrics: head.metrics,
    evals: head.evals,
    selection: head.selection,
    rollouts: head.rollouts,
    checkpoint,
  };
}

/**
 * Checks a run checkpoint's header (not its payload checksum, which the runtime verifies on load):
 * magic, header schema, kind 'run' and the unit it was saved at.
 */
export function checkRunCheckpoint(buffer: ArrayBuffer, step: number, source: string): void {
  const b = new Uint8Array(buffer);
  const kind = identifyBytes(b.subarray(0, 4096));
  if (kind !== 'run-checkpoint')
    throw new FileError(source, [`${source}: checkpoint: holds ${describeKind(kind)}, not a run checkpoint`]);
  if (b.length < 16) throw new FileError(source, [`${source}: checkpoint: truncated (${b.length} bytes)`]);
  const hlen = new DataView(buffer).getUint32(8, true);
  if (hlen > LIMITS.checkpointHeaderBytes || 16 + hlen > b.length)
    throw new FileError(source, [`${source}: checkpoint: header length ${hlen} does not fit the ${b.length} bytes`]);
  const header = parseJsonText(utf8(b.subarray(12, 12 + hlen), source, 'the checkpoint header'), source);
  const h = parseRunCheckpointHeader(header, b.length - 16 - hlen, `${source} (checkpoint)`);
  if (h.meta.kind !== 'run')
    throw new FileError(source, [`${source}: checkpoint.meta.kind: must be "run" (got "${h.meta.kind}")`]);
  if (h.meta.unit !== step)
    throw new FileError(source, [
      `${source}: checkpoint.step: the head says step ${step}, the checkpoint was saved at step ${h.meta.unit}`,
    ]);
}
