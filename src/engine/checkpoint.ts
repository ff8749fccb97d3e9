/**
 * Checkpoints: weights, config, tokenizer version + vocabulary, step count (and optionally Adam's
 * moments) in one ArrayBuffer.
 *   bytes 0..3   magic "CRLK"
 *   bytes 4..7   format version (uint32 LE)
 *   bytes 8..11  header JSON length in bytes (uint32 LE)
 *   bytes 12..15 FNV-1a 32 checksum of bytes 0..11 and of every byte from 16 to the end (version 2;
 *                version 1, still read, covered bytes 16 onwards only)
 *   header JSON (UTF-8, space-padded to a multiple of 4), then float32 LE tensor data.
 * Round trips are bit-exact (raw float32 bytes). Bad buffers fail with a message saying why, and
 * so do weights that are not finite.
 */
import * as tf from '@tensorflow/tfjs';
import type { ModelConfig } from './model-config.ts';
import { validateModelConfig } from './model-config.ts';
import { parseJsonText, parseModelCheckpointHeader } from '../config/file-schemas.ts';
import { parameterShapes, Transformer } from './model.ts';
import type { PolicyOptions } from './policy.ts';
import { Policy } from './policy.ts';
import { Tokenizer, TOKENIZER_VERSION } from './tokenizer.ts';

export const CHECKPOINT_MAGIC = 'CRLK';
export const CHECKPOINT_VERSION = 2;

export interface CheckpointTensor {
  name: string;
  shape: number[];
  data: Float32Array;
}

export interface CheckpointData {
  config: ModelConfig;
  tokenizer: { version: number; vocabHash: string; vocabulary: string[]; nPatches: number };
  /** Optimizer updates applied when saved. */
  step: number;
  tensors: CheckpointTensor[];
  /** Free-form JSON-able notes (figures, run name...). */
  meta?: Record<string, unknown>;
}

/** FNV-1a 32 over bytes (continuing from h, so that ranges hash as one). */
export function fnv1aBytes(bytes: Uint8Array, h = 0x811c9dc5): number {
  for (let i = 0; i < bytes.length; i++) {
    h ^= bytes[i];
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** The stored checksum of a version-`version` checkpoint: v2 covers the version and lengths too. */
function checksum(bytes: Uint8Array, version: number): number {
  return version >= 2
    ? fnv1aBytes(bytes.subarray(16), fnv1aBytes(bytes.subarray(0, 12)))
    : fnv1aBytes(bytes.subarray(16));
}

export function encodeCheckpoint(ck: CheckpointData): ArrayBuffer {
  let offset = 0;
  const entries = ck.tensors.map((t) => {
    const size = t.shape.reduce((a, b) => a * b, 1);
    if (size !== t.data.length)
      throw new Error(`tensor ${t.name}: shape [${t.shape}] does not match ${t.data.length} values`);
    const e = { name: t.name, shape: t.shape, offset };
    offset += size;
    return e;
  });
  const header = { config: ck.config, tokenizer: ck.tokenizer, step: ck.step, meta: ck.meta ?? {}, tensors: entries };
  let json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.length / 4) * 4;
  if (padded !== json.length)
    json = new TextEncoder().encode(JSON.stringify(header) + ' '.repeat(padded - json.length));
  const buf = new ArrayBuffer(16 + padded + offset * 4);
  const bytes = new Uint8Array(buf);
  const view = new DataView(buf);
  bytes.set(new TextEncoder().encode(CHECKPOINT_MAGIC), 0);
  view.setUint32(4, CHECKPOINT_VERSION, true);
  view.setUint32(8, padded, true);
  bytes.set(json, 16);
  const floats = new Float32Array(buf, 16 + padded, offset);
  ck.tensors.forEach((t, i) => floats.set(t.data, entries[i].offset));
  view.setUint32(12, checksum(bytes, CHECKPOINT_VERSION), true);
  return buf;
}

export function decodeCheckpoint(buf: ArrayBuffer): CheckpointData {
  if (!(buf instanceof ArrayBuffer) || buf.byteLength < 16)
    throw new Error(`checkpoint is truncated: ${buf?.byteLength ?? 0} bytes, the header alone needs 16`);
  const bytes = new Uint8Array(buf);
  const view = new DataView(buf);
  const magic = new TextDecoder().decode(bytes.subarray(0, 4));
  if (magic !== CHECKPOINT_MAGIC)
    throw new Error(`not a ContextRL checkpoint: bad magic ${JSON.stringify(magic)} (expected "${CHECKPOINT_MAGIC}")`);
  const version = view.getUint32(4, true);
  if (version !== 1 && version !== CHECKPOINT_VERSION)
    throw new Error(`unsupported checkpoint format version ${version} (this engine reads 1 to ${CHECKPOINT_VERSION})`);
  const jsonLen = view.getUint32(8, true);
  if (16 + jsonLen > buf.byteLength)
    throw new Error(`checkpoint is truncated: header says ${jsonLen} bytes of JSON, buffer has ${buf.byteLength - 16}`);
  const stored = view.getUint32(12, true);
  const actual = checksum(bytes, version);
  if (stored !== actual)
    throw new Error(
      `checkpoint is corrupt: checksum mismatch (stored ${stored.toString(16)}, computed ${actual.toString(16)})`,
    );
  if ((16 + jsonLen) % 4 !== 0) throw new Error(`checkpoint header length ${jsonLen} is not a multiple of 4`);
  const nFloats = (buf.byteLength - 16 - jsonLen) / 4;
  // The header is validated (src/config/file-schemas.ts): model sizes, tokenizer and every tensor's
  // place inside the data, before anything is allocated from it.
  const header = parseModelCheckpointHeader(
    parseJsonText(new TextDecoder().decode(bytes.subarray(16, 16 + jsonLen)), 'checkpoint', 'the header'),
    nFloats,
    'checkpoint',
  );
  const tensors = header.tensors.map((t) => {
    const size = t.shape.reduce((a, b) => a * b, 1);
    if (t.offset + size > nFloats) throw new Error(`checkpoint is truncated: tensor ${t.name} ends past the data`);
    const data = new Float32Array(buf.slice(16 + jsonLen + t.offset * 4, 16 + jsonLen + (t.offset + size) * 4));
    const bad = data.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) throw new Error(`checkpoint tensor ${t.name}[${bad}] is ${data[bad]} (weights must be finite)`);
    return { name: t.name, shape: t.shape, data };
  });
  return {
    config: validateModelConfig(header.config),
    tokenizer: header.tokenizer,
    step: header.step,
    meta: header.meta ?? {},
    tensors,
  };
}

/** Serialize a policy (weights, and Adam's moments when includeOptimizer). Reads back with await. */
export async function savePolicy(
  policy: Policy,
  options: { includeOptimizer?: boolean; meta?: Record<string, unknown> } = {},
): Promise<ArrayBuffer> {
  const tensors: CheckpointTensor[] = [];
  const add = async (name: string, t: tf.Tensor) =>
    tensors.push({ name, shape: t.shape, data: (await t.data()) as Float32Array });
  for (const [name, t] of policy.model.params) await add(name, t);
  if (options.includeOptimizer) {
    const names = [...policy.model.params.keys()];
    const { m, v } = policy.optimizer.state();
    try {
      for (let i = 0; i < names.length; i++) {
        await add(`adam.m.${names[i]}`, m[i]);
        await add(`adam.v.${names[i]}`, v[i]);
      }
    } finally {
      tf.dispose([...m, ...v]);
    }
  }
  const tok = policy.tokenizer;
  return encodeCheckpoint({
    config: policy.model.config,
    tokenizer: { version: tok.version, vocabHash: tok.vocabHash, vocabulary: tok.vocabulary, nPatches: tok.nPatches },
    step: policy.step,
    tensors,
    meta: options.meta,
  });
}

/**
 * A policy from a checkpoint. With a tokenizer, its version and vocabulary hash must match the
 * checkpoint's; without one, the tokenizer is rebuilt from the stored vocabulary.
 */
export function loadPolicy(
  buf: ArrayBuffer,
  tokenizer?: Tokenizer,
  options: Omit<PolicyOptions, 'model'> = {},
): Policy {
  const ck = decodeCheckpoint(buf);
  if (ck.tokenizer.version !== TOKENIZER_VERSION)
    throw new Error(
      `checkpoint tokenizer version ${ck.tokenizer.version} does not match this engine's ${TOKENIZER_VERSION}`,
    );
  const tok = tokenizer ?? new Tokenizer(ck.tokenizer.vocabulary, { nPatches: ck.tokenizer.nPatches });
  if (tok.vocabHash !== ck.tokenizer.vocabHash)
    throw new Error(
      `checkpoint vocabulary (hash ${ck.tokenizer.vocabHash}) does not match the tokenizer's (hash ${tok.vocabHash})`,
    );
  const byName = new Map(ck.tensors.map((t) => [t.name, t]));
  const params = new Map<string, tf.Tensor>();
  try {
    for (const [name, shape] of parameterShapes(ck.config)) {
      const t = byName.get(name);
      if (!t) throw new Error(`checkpoint lacks parameter ${name}`);
      if (t.shape.join(',') !== shape.join(','))
        throw new Error(`checkpoint parameter ${name} has shape [${t.shape}], config needs [${shape}]`);
      params.set(
        name,
        tf.tidy(() => tf.variable(tf.tensor(t.data, shape), true)),
      );
    }
  } catch (e) {
    tf.dispose([...params.values()]);
    throw e;
  }
  const policy = new Policy(tok, options, new Transformer(ck.config, 0, params, true));
  const names = [...params.keys()];
  if (byName.has(`adam.m.${names[0]}`)) {
    const load = (k: string) =>
      tf.tensor((byName.get(k) as CheckpointTensor).data, (byName.get(k) as CheckpointTensor).shape);
    const m = names.map((n) => load(`adam.m.${n}`));
    const v = names.map((n) => load(`adam.v.${n}`));
    policy.optimizer.setState(m, v, ck.step);
    tf.dispose([...m, ...v]);
  } else {
    policy.optimizer.step = ck.step;
  }
  return policy;
}
