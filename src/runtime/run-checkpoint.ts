/**
 * A run checkpoint: everything needed to continue a run exactly where it stopped, in one buffer.
 *   "CRLRUNK2" | u32 header length | header JSON | u32 FNV-1a of all bytes before it and the payload | payload
 * The checksum covers the header too (magic, length, JSON with the vocabulary and config), so an
 * edited header fails like a damaged payload. Files of the first container ("CRLRUNCK", whose
 * checksum covers the payload only: the bundled base models, older saves) still load.
 * The payload holds the engine's model checkpoint (weights, model config, tokenizer version) as
 * opaque bytes, then float32 blobs of the optimizer moments (Adam m, v) and, when beta > 0, the
 * frozen reference policy. Data order, sampling noise and evaluation sets derive from the unit
 * index, so no RNG state needs saving.
 */
import type { DomainName } from '../tasks/types.ts';
import type { ModelConfig } from '../engine/model-config.ts';
import type { ResolvedRunConfig } from '../config/run-config.ts';
import { LIMITS, parseJsonText, parseRunCheckpointHeader } from '../config/file-schemas.ts';

export interface RunCheckpointMeta {
  format: 1;
  kind: 'run';
  config: ResolvedRunConfig;
  modelConfig: ModelConfig;
  /** The tokenizer's vocabulary (so later vocabulary edits in a domain don't break old checkpoints). */
  vocabulary: string[];
  /** Units of work done when saved. */
  unit: number;
  /** Warm-start units of this run (0 when it started from a base model). */
  warmUnits: number;
  /** Optimizer updates applied in the current phase (Adam's step counter). */
  optimizerStep: number;
  /** The phase the saved Adam moments belong to (a run saved at a phase boundary restarts Adam). */
  optimizerPhase?: 'warm-start' | 'da-sft' | 'rl';
  /** Whether the current phase's optimizer was started (moments present). */
  hasOptimizer: boolean;
  hasReference: boolean;
  /** Token-ratio estimate the budget was planned with (kept so a resumed run plans identically). */
  tokenRatio: number;
  /** Wall-clock ms spent so far (for MetricRow.t continuity). */
  elapsedMs: number;
  savedAt: number;
}

/** A bundled base model (pretrained warm start): weights plus how it was made and what it reaches. */
export interface BaseModelMeta {
  format: 1;
  kind: 'base';
  preset: string;
  domain: DomainName;
  modelConfig: ModelConfig;
  vocabulary: string[];
  seed: number;
  /** Pretraining steps done. */
  step: number;
  /** Pretraining optimizer step (for resuming the pretraining itself). */
  optimizerStep: number;
  hasOptimizer: boolean;
  elapsedMs: number;
  figures?: Record<string, number | undefined>;
  savedAt: number;
}

export interface NamedArray {
  name: string;
  shape: number[];
  data: Float32Array;
}

export interface RunCheckpoint<M extends { format: 1; kind: string } = RunCheckpointMeta> {
  meta: M;
  /** The engine's model checkpoint. */
  model: ArrayBuffer;
  /** Optimizer moments ('m/<i>', 'v/<i>') and reference weights ('ref/<name>'). */
  tensors: NamedArray[];
}

/** The container: version 2 checksums header and payload; version 1 (read only) the payload alone. */
const MAGIC = 'CRLRUNK2';
const MAGIC_V1 = 'CRLRUNCK';
const FNV_OFFSET = 0x811c9dc5;

/** FNV-1a 32 over bytes, continuing from h (so two ranges hash as one). */
function fnv1a(bytes: Uint8Array, h = FNV_OFFSET): number {
  for (let i = 0; i < bytes.length; i++) {
    h ^= bytes[i];
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** The first non-finite value of each array, named: weights that are NaN must not load silently. */
export function nonFinite(tensors: readonly NamedArray[]): string | undefined {
  for (const t of tensors) {
    const d = t.data;
    for (let i = 0; i < d.length; i++)
      if (!Number.isFinite(d[i])) return `${t.name}[${i}] is ${d[i]} (weights must be finite numbers)`;
  }
  return undefined;
}

export function packRunCheckpoint<M extends { format: 1; kind: string }>(ck: RunCheckpoint<M>): ArrayBuffer {
  let offset = ck.model.byteLength;
  offset += (4 - (offset % 4)) % 4;
  const entries = ck.tensors.map((t) => {
    const e = { name: t.name, shape: t.shape, offset, length: t.data.length };
    offset += t.data.length * 4;
    return e;
  });
  const header = new TextEncoder().encode(
    JSON.stringify({ meta: ck.meta, modelBytes: ck.model.byteLength, tensors: entries }),
  );
  const payload = new Uint8Array(offset);
  payload.set(new Uint8Array(ck.model), 0);
  for (let i = 0; i < entries.length; i++) {
    const d = ck.tensors[i].data;
    payload.set(new Uint8Array(d.buffer, d.byteOffset, d.byteLength), entries[i].offset);
  }
  const out = new Uint8Array(8 + 4 + header.length + 4 + payload.length);
  const view = new DataView(out.buffer);
  out.set(new TextEncoder().encode(MAGIC), 0);
  view.setUint32(8, header.length, true);
  out.set(header, 12);
  view.setUint32(12 + header.length, fnv1a(payload, fnv1a(out.subarray(0, 12 + header.length))), true);
  out.set(payload, 16 + header.length);
  return out.buffer;
}

/** Parses and verifies a run checkpoint; a damaged or foreign buffer throws with the reason. */
export function unpackRunCheckpoint(buffer: ArrayBuffer): RunCheckpoint<RunCheckpointMeta | BaseModelMeta> {
  const bytes = new Uint8Array(buffer);
  const magic = bytes.length < 16 ? '' : new TextDecoder().decode(bytes.subarray(0, 8));
  if (magic !== MAGIC && magic !== MAGIC_V1) throw new Error('not a ContextRL Lab checkpoint (bad magic)');
  const view = new DataView(buffer);
  const hlen = view.getUint32(8, true);
  if (16 + hlen > bytes.length) throw new Error('run checkpoint is truncated (header)');
  if (hlen > LIMITS.checkpointHeaderBytes)
    throw new Error(`run checkpoint header is ${hlen} bytes, more than the ${LIMITS.checkpointHeaderBytes} allowed`);
  // Checked before the header is read: a damaged header must not be trusted even as JSON.
  const payload = bytes.subarray(16 + hlen);
  const sum = view.getUint32(12 + hlen, true);
  const actual = magic === MAGIC ? fnv1a(payload, fnv1a(bytes.subarray(0, 12 + hlen))) : fnv1a(payload);
  if (actual !== sum)
    throw new Error(
      `run checkpoint is corrupt (checksum mismatch over the ${magic === MAGIC ? 'header and payload' : 'payload'})`,
    );
  // The header is validated (src/config/file-schemas.ts): its config, model, vocabulary and every
  // tensor's place inside the payload, before anything is allocated from it.
  const header = parseRunCheckpointHeader(
    parseJsonText(new TextDecoder().decode(bytes.subarray(12, 12 + hlen)), 'run checkpoint', 'the header'),
    bytes.length - 16 - hlen,
    'run checkpoint',
  ) as {
    meta: RunCheckpointMeta | BaseModelMeta;
    modelBytes: number;
    tensors: { name: string; shape: number[]; offset: number; length: number }[];
  };
  const model = buffer.slice(16 + hlen, 16 + hlen + header.modelBytes);
  const tensors = header.tensors.map((e) => {
    const start = 16 + hlen + e.offset;
    if (start + e.length * 4 > bytes.length) throw new Error(`run checkpoint is truncated (tensor ${e.name})`);
    return { name: e.name, shape: e.shape, data: new Float32Array(buffer.slice(start, start + e.length * 4)) };
  });
  const bad = nonFinite(tensors);
  if (bad) throw new Error(`run checkpoint holds non-finite weights: ${bad}`);
  return { meta: header.meta, model, tensors };
}
