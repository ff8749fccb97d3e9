/**
 * Model weights and optimizer moments as plain named float32 arrays (for run checkpoints).
 * Read back with `await data()` (no dataSync: it throws in Node's WebGPU).
 */
import * as tf from '@tensorflow/tfjs';
import type { ModelConfig } from '../engine/model-config.ts';
import { Transformer } from '../engine/model.ts';
import type { Adam } from '../engine/optim.ts';
import type { NamedArray } from './run-checkpoint.ts';

/**
 * A freshly initialized model for a run seed. IMPORTANT: the engine derives parameter i's init seed
 * as seed * 1009 + i * 7919, so seed 0 gives the embedding seed 0, which tf.randomNormal treats as
 * "no seed" (Math.random): not reproducible. Shift the run seed by one.
 */
export function initModel(config: ModelConfig, seed: number): Transformer {
  return new Transformer(config, seed + 1);
}

export async function tensorsToArrays(prefix: string, named: [string, tf.Tensor][]): Promise<NamedArray[]> {
  const out: NamedArray[] = [];
  for (const [name, t] of named)
    out.push({ name: `${prefix}${name}`, shape: t.shape, data: new Float32Array(await t.data()) });
  return out;
}

export function modelArrays(model: Transformer, prefix = 'w/'): Promise<NamedArray[]> {
  return tensorsToArrays(prefix, [...model.params.entries()]);
}

/** Rebuild a model (trainable Variables, or a frozen copy) from arrays named `${prefix}${param}`. */
export function modelFromArrays(
  config: ModelConfig,
  arrays: NamedArray[],
  prefix = 'w/',
  trainable = true,
): Transformer {
  const byName = new Map(arrays.filter((a) => a.name.startsWith(prefix)).map((a) => [a.name.slice(prefix.length), a]));
  const fresh = new Transformer(config, 0, undefined, false); // shapes and names only
  const params = new Map<string, tf.Tensor>();
  try {
    for (const [name, t] of fresh.params) {
      const a = byName.get(name);
      if (!a) throw new Error(`checkpoint lacks parameter ${name}`);
      if (a.shape.join('x') !== t.shape.join('x'))
        throw new Error(`parameter ${name} has shape [${a.shape}] in the checkpoint, the model wants [${t.shape}]`);
      const v = tf.tensor(a.data, a.shape);
      params.set(name, trainable ? tf.variable(v, true) : v);
      if (trainable) v.dispose();
    }
  } catch (e) {
    tf.dispose([...params.values()]);
    throw e;
  } finally {
    fresh.dispose();
  }
  return new Transformer(config, 0, params, trainable);
}

export async function optimizerArrays(opt: Adam): Promise<NamedArray[]> {
  return momentArrays(opt.state());
}

/** Adam moments in variable order as arrays 'm/i' and 'v/i'; disposes the tensors. */
export async function momentArrays({ m, v }: { m: tf.Tensor[]; v: tf.Tensor[] }): Promise<NamedArray[]> {
  try {
    return [
      ...(await tensorsToArrays(
        'm/',
        m.map((t, i) => [String(i), t]),
      )),
      ...(await tensorsToArrays(
        'v/',
        v.map((t, i) => [String(i), t]),
      )),
    ];
  } finally {
    tf.dispose([...m, ...v]);
  }
}

export function restoreOptimizer(opt: Adam, arrays: NamedArray[], step: number): void {
  withMoments(arrays, (m, v) => opt.setState(m, v, step));
}

/** Calls f with the moments 'm/i' and 'v/i' of arrays as tensors in variable order, then disposes them. */
export function withMoments(arrays: NamedArray[], f: (m: tf.Tensor[], v: tf.Tensor[]) => void): void {
  const pick = (p: string) =>
    arrays.filter((a) => a.name.startsWith(p)).sort((a, b) => Number(a.name.slice(2)) - Number(b.name.slice(2)));
  const m = pick('m/').map((a) => tf.tensor(a.data, a.shape));
  const v = pick('v/').map((a) => tf.tensor(a.data, a.shape));
  try {
    f(m, v);
  } finally {
    tf.dispose([...m, ...v]);
  }
}
