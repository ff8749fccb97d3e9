/**
 * Adam's update of one variable on the webgpu backend in three kernels instead of fifteen
 * elementwise ops: m' = b1 m + (1 - b1) s g, v' = b2 v + (1 - b2) (s g)^2, and
 * x' = x - lr ((m' / bc1) / (sqrt(v' / bc2) + eps) + wd x), with s the clipping factor read on the
 * device. The step's constants travel as uniforms, so each variable size compiles once.
 * Measured on llvmpipe, where every dispatch costs about 0.2 ms: see README (Performance).
 */
import * as tf from '@tensorflow/tfjs';
import { switchedOff } from './env.ts';
import { flatProgram, runFlat } from './webgpu-program.ts';

export interface AdamConstants {
  lr: number;
  beta1: number;
  beta2: number;
  /** Bias corrections 1 - beta^t. */
  bc1: number;
  bc2: number;
  eps: number;
  /** Decoupled weight decay for this variable (0 for vectors). */
  weightDecay: number;
}

const UNIFORMS = 'lr : f32, beta1 : f32, beta2 : f32, bc1 : f32, bc2 : f32, eps : f32, wd : f32,';

let enabled = !switchedOff('CONTEXTRL_FUSED_ADAM');

/** Turn the fused update off or on (A/B runs: the bench page's `fusedAdam`; in Node also CONTEXTRL_FUSED_ADAM=0). */
export function setFusedAdam(on: boolean): void {
  enabled = on;
}

/** Whether the fused update applies: the webgpu backend is active (and it is not switched off). */
export function fusedAdamAvailable(): boolean {
  return enabled && tf.getBackend() === 'webgpu';
}

/**
 * The new x, m and v of one variable (fresh tensors the caller assigns and disposes).
 * scale: the clipping factor, a scalar on the device.
 */
export function fusedAdamUpdate(x: tf.Tensor, g: tf.Tensor, m: tf.Tensor, v: tf.Tensor, scale: tf.Tensor, c: AdamConstants): { x: tf.Tensor; m: tf.Tensor; v: tf.Tensor } {
  const n = x.size;
  const u = [c.lr, c.beta1, c.beta2, c.bc1, c.bc2, c.eps, c.weightDecay];
  const run = (key: string, names: string[], inputs: tf.Tensor[], body: string) =>
    runFlat(flatProgram(`adam_${key}_${n}`, names, x.shape, n, body, { uniforms: UNIFORMS }), inputs, 'float32', u);
  const m2 = run('m', ['M', 'G', 'S'], [m, g, scale], 'result[i] = uniforms.beta1 * M[i] + (1.0 - uniforms.beta1) * (G[i] * S[0]);');
  const v2 = run('v', ['V', 'G', 'S'], [v, g, scale], 'let gs = G[i] * S[0]; result[i] = uniforms.beta2 * V[i] + (1.0 - uniforms.beta2) * (gs * gs);');
  const x2 = run('x', ['X', 'M', 'V'], [x, m2, v2],
    'let upd = (M[i] / uniforms.bc1) / (sqrt(V[i] / uniforms.bc2) + uniforms.eps) + uniforms.wd * X[i]; result[i] = X[i] - uniforms.lr * upd;');
  return { x: x2, m: m2, v: v2 };
}
