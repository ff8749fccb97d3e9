/**
 * Model configuration: a plain serializable object, presets, and one validation at the boundary
 * that names the field and why.
 */
import type { ModelSize } from '../config/fields.ts';

export interface ModelConfig {
  /** V: vocabulary size (Tokenizer.size). */
  vocabSize: number;
  nLayer: number;
  /** d_model */
  dModel: number;
  nHead: number;
  /** Maximum sequence length (prompt + completion), learned positions. */
  contextLength: number;
  /** MLP hidden width; default 4 * dModel. */
  dMlp: number;
  /** Images are imageSize x imageSize RGB, cut into patchSize x patchSize patches. */
  imageSize: number;
  patchSize: number;
  layerNormEps: number;
  /** Std of the normal init (GPT-2: 0.02; residual projections scaled by 1/sqrt(2 nLayer)). */
  initStd: number;
}

/** The model sizes (the run configuration's modelSize options). */
export type PresetName = ModelSize;

export const PRESETS: Record<PresetName, Pick<ModelConfig, 'nLayer' | 'dModel' | 'nHead' | 'contextLength'>> = {
  nano: { nLayer: 2, dModel: 64, nHead: 4, contextLength: 256 },
  micro: { nLayer: 4, dModel: 128, nHead: 4, contextLength: 512 },
  small: { nLayer: 6, dModel: 256, nHead: 8, contextLength: 1024 },
};

/** A full config from a preset (or explicit sizes) plus overrides; validated. */
export function modelConfig(
  preset: PresetName | Partial<ModelConfig>,
  vocabSize: number,
  overrides: Partial<ModelConfig> = {},
): ModelConfig {
  const base = typeof preset === 'string' ? PRESETS[preset] : preset;
  if (typeof preset === 'string' && !base)
    throw new Error(`unknown preset "${preset}" (expected nano, micro or small)`);
  const merged = {
    imageSize: 24,
    patchSize: 4,
    layerNormEps: 1e-5,
    initStd: 0.02,
    ...base,
    ...overrides,
    vocabSize,
  } as Partial<ModelConfig>;
  merged.dMlp ??= 4 * (merged.dModel ?? 0);
  return validateModelConfig(merged);
}

/** Throws `field ... (got ...)` on the first bad field; returns the config typed. */
export function validateModelConfig(c: Partial<ModelConfig>): ModelConfig {
  const posInt = ['vocabSize', 'nLayer', 'dModel', 'nHead', 'contextLength', 'dMlp', 'imageSize', 'patchSize'] as const;
  for (const f of posInt) {
    const v = c[f];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1)
      throw new Error(`${f} must be a positive integer (got ${String(v)})`);
  }
  const cfg = c as ModelConfig;
  if (cfg.dModel % cfg.nHead !== 0) throw new Error(`nHead must divide dModel (got ${cfg.nHead}, ${cfg.dModel})`);
  if (cfg.imageSize % cfg.patchSize !== 0)
    throw new Error(`patchSize must divide imageSize (got ${cfg.patchSize}, ${cfg.imageSize})`);
  if (cfg.vocabSize < 7) throw new Error(`vocabSize must cover the 6 special tokens and more (got ${cfg.vocabSize})`);
  if (!(cfg.layerNormEps > 0)) throw new Error(`layerNormEps must be > 0 (got ${cfg.layerNormEps})`);
  if (!(cfg.initStd > 0)) throw new Error(`initStd must be > 0 (got ${cfg.initStd})`);
  return { ...cfg };
}

/** Patches per image: (imageSize / patchSize)^2, 36 for 24 x 24 with P = 4. */
export function patchesPerImage(c: ModelConfig): number {
  return (c.imageSize / c.patchSize) ** 2;
}

/** Values per patch: P * P * 3. */
export function patchDim(c: ModelConfig): number {
  return c.patchSize * c.patchSize * 3;
}
