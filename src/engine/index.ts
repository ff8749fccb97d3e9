/** The engine's public API: pure TypeScript + tfjs (no React, DOM or store). */
export * from './losses.ts';
export { Tokenizer, TOKENIZER_VERSION, SPECIAL_TOKENS, FORMAT_WORDS, fnv1aString } from './tokenizer.ts';
export type { TokenizerOptions, SpecialToken } from './tokenizer.ts';
export { PRESETS, modelConfig, validateModelConfig, patchesPerImage, patchDim } from './config.ts';
export type { ModelConfig, PresetName } from './config.ts';
export { Transformer, parameterShapes, gelu } from './model.ts';
export type { ModelInputs, ForwardOptions, ForwardResult } from './model.ts';
export { buildBatch, encodePrompt, imageToPatches, toModelInputs, disposeInputs } from './batch.ts';
export type { HostBatch, EncodedPrompt } from './batch.ts';
export { generate } from './sample.ts';
export type { Rollouts, ScoredRollouts, SampleOptions } from './sample.ts';
export { Adam, learningRate, DEFAULT_OPTIMIZER } from './optim.ts';
export type { OptimizerConfig, LrSchedule } from './optim.ts';
export { METRIC_NAMES, hostGrpoMetrics } from './metrics.ts';
export type { StepMetrics } from './metrics.ts';
export { Policy, DEFAULT_GRPO, DEFAULT_CA } from './policy.ts';
export type { PolicyConfig, PolicyOptions, GrpoConfig, CaConfig, SFTExample, PairExample, PairScores } from './policy.ts';
export { Rng } from './rng.ts';
