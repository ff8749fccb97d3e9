import { initBackend } from '../../src/engine/backend.ts';
import { nodeWasmDir } from '../../src/engine/node.ts';
import { Pretrainer } from '../../src/runtime/pretrain.ts';
import type { PretrainSpec } from '../../src/config/presets.ts';
import type { RunConfig } from '../../src/runtime/types.ts';

export async function useWasm(): Promise<void> {
  await initBackend({ order: ['wasm', 'cpu'], wasmPaths: nodeWasmDir() });
}

/** Two variables, two statements, no noise: a task a small model partly learns in 100 steps. */
export const EASY_TRACE = { depth: 'lookup', vars: 2, steps: 2, noise: 0, shortcut: 0.5 };

/** A small, partly competent base model (seeded, ~20 s on wasm). */
export async function tinyBase(steps = 100, seed = 1): Promise<ArrayBuffer> {
  const spec: PretrainSpec = {
    name: 'test',
    domain: 'trace',
    modelSize: 'nano',
    model: { dModel: 32, nHead: 2, contextLength: 64 },
    batchSize: 16,
    learningRate: 3e-3,
    warmupSteps: 10,
    steps,
    easyPairShare: 0.25,
    stages: [{ name: 'all', knobs: EASY_TRACE }],
    figureKnobs: EASY_TRACE,
  };
  const p = Pretrainer.create(spec, seed);
  for (let i = 0; i < steps; i++) await p.trainStep();
  const buf = await p.save(undefined, false);
  p.dispose();
  return buf;
}

export function tinyRun(over: Partial<RunConfig> = {}): Partial<RunConfig> {
  return {
    domain: 'trace',
    preset: 'test',
    knobs: EASY_TRACE,
    steps: 6,
    evalEvery: 3,
    batchSize: 6,
    groupSize: 4,
    learningRate: 2e-3,
    beta: 0.01,
    maxCompletionLength: 2,
    evalItems: 8,
    probePairs: 8,
    warmupSteps: 0,
    warmStartSteps: 3,
    pairShare: 0.3,
    ...over,
  };
}
