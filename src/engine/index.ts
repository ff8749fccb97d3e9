/**
 * The engine's public API: pure TypeScript + tfjs (no React, DOM or store).
 *
 *   const tok = new Tokenizer(domainVocabulary, { nPatches: 36 });
 *   const policy = new Policy(tok, { model: 'nano', seed: 1, optimizer: { lr: 3e-3 }, grpo: { beta: 0 }, ca: { lambda: 1 } });
 *   await policy.sftStep([{ prompt: { text: 'c=7 | c ->', images: [] }, target: '7' }]);
 *   const r = await policy.generate(prompts, 8, { maxCompletionLength: 8 });          // G = 8 per prompt
 *   const rewards = r.texts.map((t, i) => domain.reward(items[Math.floor(i / 8)], t));
 *   const metrics = await policy.grpoStep({ ...r, rewards }, pairExamples);    // L_GRPO + lambda L_CA
 *   const scores = await policy.scorePairs(pairExamples);                      // delta, P(A), P(B)
 *   const buf = await savePolicy(policy); const again = loadPolicy(buf, tok);
 *   policy.dispose();
 */
export * from './losses.ts';
export { Tokenizer, TOKENIZER_VERSION, SPECIAL_TOKENS, FORMAT_WORDS, fnv1aString } from './tokenizer.ts';
export type { TokenizerOptions, SpecialToken } from './tokenizer.ts';
export { PRESETS, modelConfig, validateModelConfig, patchesPerImage, patchDim } from './model-config.ts';
export type { ModelConfig, PresetName } from './model-config.ts';
export { Transformer, parameterShapes, gelu } from './model.ts';
export type { ModelInputs, ForwardOptions, ForwardResult } from './model.ts';
export { buildBatch, encodePrompt, imageToPatches, toModelInputs, disposeInputs } from './batch.ts';
export type { HostBatch, EncodedPrompt } from './batch.ts';
export { generate } from './sample.ts';
export type { Rollouts, ScoredRollouts, SampleOptions } from './sample.ts';
export { Adam, learningRate, DEFAULT_OPTIMIZER } from './optim.ts';
export type { OptimizerConfig, LrSchedule } from './optim.ts';
export { contextRlLoss, grpoTerm, caTerm, pairDelta } from './objectives.ts';
export type { LossTerms, RlStream, PairStream } from './objectives.ts';
export { METRIC_NAMES, hostGrpoMetrics } from './metrics.ts';
export type { StepMetrics } from './metrics.ts';
export { Policy, DEFAULT_GRPO, DEFAULT_CA } from './policy.ts';
export type {
  PolicyConfig,
  PolicyOptions,
  GrpoConfig,
  CaConfig,
  SFTExample,
  PairExample,
  PairScores,
} from './policy.ts';
export { Rng } from '../tasks/rng.ts';
export {
  encodeCheckpoint,
  decodeCheckpoint,
  savePolicy,
  loadPolicy,
  fnv1aBytes,
  CHECKPOINT_MAGIC,
  CHECKPOINT_VERSION,
} from './checkpoint.ts';
export type { CheckpointData, CheckpointTensor } from './checkpoint.ts';
export { attribute, ATTRIBUTION_METHODS, ATTRIBUTION_LABELS } from './attribution.ts';
export type { AttributionMethod, AttributionTarget, AttributionRequest, Attribution } from './attribution.ts';
export {
  GROUNDING_METRIC,
  tokenCharRanges,
  regionPatches,
  itemLayout,
  pairLayout,
  decisiveShare,
  groundingScore,
  groundLayouts,
  groundPairs,
  groundItems,
  meanShare,
  toReport,
} from './grounding.ts';
export type {
  TokenRange,
  ContextRole,
  ContextLayout,
  PromptLayout,
  GroundingScore,
  GroundingResult,
  GroundingReport,
} from './grounding.ts';
export { initBackend, selfTest, backendLabel, adapterName, BACKEND_ORDER } from './backend.ts';
export type { BackendName, BackendStatus, BackendOptions, AdapterSummary, SelfTestResult } from './backend.ts';
export { compileOnly, canCompileOnly } from './kernels/shader-warmup.ts';
export type { CompileOnlyResult } from './kernels/shader-warmup.ts';
