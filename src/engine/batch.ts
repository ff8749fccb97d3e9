/**
 * Host-side batching: prompts (left-padded) followed by a completion region (right-padded), plus
 * the per-row positions, key mask and image patches the model needs. Layout of one row:
 *   [pad .. pad, bos, prompt ..., | c_0, c_1, ..., eos, pad ...]
 *    <---------- Tp ------------->  <--------- L ----------->
 * Logits at position Tp - 1 + i predict completion token i, for every row (left padding aligns the
 * last prompt token at Tp - 1). Positions restart at 0 after the padding.
 */
import * as tf from '@tensorflow/tfjs';
import type { PromptText, RGBImage } from '../tasks/types.ts';
import type { ModelConfig } from './model-config.ts';
import { patchDim, patchesPerImage } from './model-config.ts';
import type { ModelInputs } from './model.ts';
import type { Tokenizer } from './tokenizer.ts';

export interface EncodedPrompt {
  ids: number[]; // bos + tokens
  images: RGBImage[];
}

export interface HostBatch {
  B: number;
  /** Prompt region length (longest prompt). */
  Tp: number;
  /** Completion region length. */
  L: number;
  ids: Int32Array; // [B, Tp + L]
  positions: Int32Array; // [B, Tp + L]
  keyMask: Float32Array; // [B, Tp + L]
  /** Completion tokens and their loss mask: [B, L]. */
  targets: Int32Array;
  targetMask: Float32Array;
  images?: { M: number; placement: Float32Array; patches: Float32Array };
}

/** Tokenize a prompt (bos first) and check its images against its `<img>` markers. */
export function encodePrompt(tok: Tokenizer, prompt: PromptText): EncodedPrompt {
  const ids = [tok.bos, ...tok.encode(prompt.text)];
  const nImg = ids.filter((i) => i === tok.img).length / tok.nPatches;
  if (nImg !== prompt.images.length) {
    throw new Error(
      `prompt has ${nImg} <img> markers but ${prompt.images.length} images: "${prompt.text.slice(0, 60)}"`,
    );
  }
  return { ids, images: prompt.images };
}

/** An image [H, W, 3] uint8 -> patches [nPatches, P*P*3] in 0..1, row-major over patches. */
export function imageToPatches(img: RGBImage, cfg: ModelConfig): Float32Array {
  const P = cfg.patchSize;
  if (img.width !== cfg.imageSize || img.height !== cfg.imageSize) {
    throw new Error(`image must be ${cfg.imageSize}x${cfg.imageSize} (got ${img.width}x${img.height})`);
  }
  const perSide = img.width / P;
  const pd = patchDim(cfg);
  const out = new Float32Array(perSide * perSide * pd);
  for (let py = 0; py < perSide; py++) {
    for (let px = 0; px < perSide; px++) {
      const base = (py * perSide + px) * pd;
      let k = 0;
      for (let dy = 0; dy < P; dy++) {
        for (let dx = 0; dx < P; dx++) {
          const src = ((py * P + dy) * img.width + (px * P + dx)) * 3;
          for (let ch = 0; ch < 3; ch++) out[base + k++] = img.data[src + ch] / 255;
        }
      }
    }
  }
  return out;
}

/**
 * Prompt length buckets on WebGPU: the padded prompt length is rounded up to a multiple of this,
 * so a run compiles each shape's shaders a few times instead of once per distinct prompt length
 * (tfjs's WebGPU programs are specialised to their shapes). The extra left padding is masked and
 * positions restart after it, so the logits are the same (the KV-cache tests compare webgpu,
 * bucketed, with cpu, not). wasm and cpu compile nothing and keep the exact length.
 */
export const WEBGPU_PROMPT_BUCKET = 16;

/**
 * Build one batch. completions[b] are the completion tokens of row b (eos included when present);
 * pass [] rows (and L = 0) for prompt-only batches. L defaults to the longest completion.
 */
export function buildBatch(
  tok: Tokenizer,
  cfg: ModelConfig,
  prompts: EncodedPrompt[],
  completions?: number[][],
  L?: number,
): HostBatch {
  const B = prompts.length;
  if (B === 0) throw new Error('empty batch: at least one prompt is needed');
  const longest = Math.max(...prompts.map((p) => p.ids.length));
  const Lc = L ?? Math.max(0, ...(completions ?? []).map((c) => c.length));
  const bucket = tf.getBackend() === 'webgpu' ? WEBGPU_PROMPT_BUCKET : 1;
  const Tp = Math.max(longest, Math.min(Math.ceil(longest / bucket) * bucket, cfg.contextLength - Lc));
  const T = Tp + Lc;
  if (T > cfg.contextLength)
    throw new Error(`prompt (${Tp} tokens) + completion (${Lc}) exceeds contextLength ${cfg.contextLength}`);
  const ids = new Int32Array(B * T);
  const positions = new Int32Array(B * T);
  const keyMask = new Float32Array(B * T);
  const targets = new Int32Array(B * Lc);
  const targetMask = new Float32Array(B * Lc);
  const nP = patchesPerImage(cfg);
  const pd = patchDim(cfg);
  const maxImages = Math.max(...prompts.map((p) => p.images.length));
  const M = maxImages * nP;
  const placement = M > 0 ? new Float32Array(B * T * M) : undefined;
  const patches = M > 0 ? new Float32Array(B * M * pd) : undefined;
  for (let b = 0; b < B; b++) {
    const p = prompts[b].ids;
    const pad = Tp - p.length;
    const c = completions?.[b] ?? [];
    if (c.length > Lc) throw new Error(`completion ${b} has ${c.length} tokens, more than L = ${Lc}`);
    for (let t = 0; t < T; t++) {
      const i = b * T + t;
      positions[i] = Math.max(0, t - pad);
      keyMask[i] = t >= pad ? 1 : 0;
      if (t >= pad && t < Tp) ids[i] = p[t - pad];
      else if (t >= Tp && t - Tp < c.length) ids[i] = c[t - Tp];
      else ids[i] = tok.pad;
    }
    for (let j = 0; j < c.length; j++) {
      targets[b * Lc + j] = c[j];
      targetMask[b * Lc + j] = 1;
    }
    if (placement && patches) {
      prompts[b].images.forEach((img, k) => patches.set(imageToPatches(img, cfg), (b * M + k * nP) * pd));
      let m = 0;
      for (let t = pad; t < Tp; t++) if (p[t - pad] === tok.img) placement[(b * T + t) * M + m++] = 1;
    }
  }
  return {
    B,
    Tp,
    L: Lc,
    ids,
    positions,
    keyMask,
    targets,
    targetMask,
    images: placement && patches ? { M, placement, patches } : undefined,
  };
}

/** Upload a host batch. Caller disposes (tf.dispose(Object.values(...)) or disposeInputs). */
export function toModelInputs(hb: HostBatch): ModelInputs {
  const T = hb.Tp + hb.L;
  const inputs: ModelInputs = {
    ids: tf.tensor2d(hb.ids, [hb.B, T], 'int32'),
    positions: tf.tensor2d(hb.positions, [hb.B, T], 'int32'),
    keyMask: tf.tensor2d(hb.keyMask, [hb.B, T]),
  };
  if (hb.images) {
    const pd = hb.images.patches.length / (hb.B * hb.images.M);
    inputs.images = {
      placement: tf.tensor3d(hb.images.placement, [hb.B, T, hb.images.M]),
      patches: tf.tensor3d(hb.images.patches, [hb.B, hb.images.M, pd]),
    };
  }
  return inputs;
}

export function disposeInputs(inputs: ModelInputs): void {
  tf.dispose([inputs.ids, inputs.positions, inputs.keyMask]);
  if (inputs.images) tf.dispose([inputs.images.placement, inputs.images.patches]);
}
