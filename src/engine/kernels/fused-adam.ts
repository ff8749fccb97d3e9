/**
 * Adam on the webgpu backend with the moments of all variables in one flat tensor: one kernel
 * updates every moment, m' = b1 m + (1 - b1) s g, v' = b2 v + (1 - b2) (s g)^2, then one kernel
 * per variable x' = x - lr ((m' / bc1) / (sqrt(v' / bc2) + eps) + wd x), with s the clipping factor
 * read on the device; about 70 kernels a step for micro's 55 variables instead of 330 (three per
 * variable plus two per variable for the gradient norm). The constants travel as uniforms, so
 * each variable size compiles once. Dispatches dominate small models' steps: see README (Performance).
 */
import * as tf from '@tensorflow/tfjs';
import { switchedOff } from '../env.ts';
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
 * The moments of every variable at once: mv is [2N] (all first moments, then all second moments, in
 * variable order) and g [N] the flattened gradients; one kernel writes the new [2N].
 * scale: the clipping factor, a scalar on the device.
 */
export function fusedMoments(mv: tf.Tensor, g: tf.Tensor, scale: tf.Tensor, c: AdamConstants): tf.Tensor {
  const n = g.size;
  return runFlat(
    flatProgram(
      `adam_mv_${n}`,
      ['MV', 'G', 'S'],
      mv.shape,
      n,
      `
        let gs = G[i] * S[0];
        result[i] = uniforms.beta1 * MV[i] + (1.0 - uniforms.beta1) * gs;
        result[${n} + i] = uniforms.beta2 * MV[${n} + i] + (1.0 - uniforms.beta2) * (gs * gs);`,
      { uniforms: UNIFORMS },
    ),
    [mv, g, scale],
    'float32',
    constants(c),
  );
}

/** The new value of one variable x whose moments start at `offset` in mv [2N] (fusedMoments' output). */
export function fusedParamUpdate(x: tf.Tensor, mv: tf.Tensor, offset: number, c: AdamConstants): tf.Tensor {
  const n = x.size;
  const N = mv.size / 2;
  return runFlat(
    flatProgram(
      `adam_x_${n}_${N}`,
      ['X', 'MV'],
      x.shape,
      n,
      `
        let k = i32(uniforms.off) + i;
        let upd = (MV[k] / uniforms.bc1) / (sqrt(MV[${N} + k] / uniforms.bc2) + uniforms.eps) + uniforms.wd * X[i];
        result[i] = X[i] - uniforms.lr * upd;`,
      { uniforms: `${UNIFORMS} off : f32,` },
    ),
    [x, mv],
    'float32',
    [...constants(c), offset],
  );
}

/**
 * sum(g^2) of a flat [N] tensor as 1024-element partial sums (one invocation each), then their sum:
 * a plain tf.sum is one invocation over all N on CPU-emulated adapters (cpu-kernels.ts reduces one
 * output per invocation), which took seconds on SwiftShader for micro's 0.8M gradients.
 */
export function sumOfSquares(g: tf.Tensor): tf.Scalar {
  const n = g.size;
  const CH = 1024;
  const parts = Math.ceil(n / CH);
  return tf.tidy(() =>
    tf.sum(
      runFlat(
        flatProgram(
          `sumsq_${n}`,
          ['G'],
          [parts],
          parts,
          `
        var s = 0.0;
        let end = min((i + 1) * ${CH}, ${n});
        for (var e = i * ${CH}; e < end; e++) { let x = G[e]; s += x * x; }
        result[i] = s;`,
        ),
        [g],
      ),
    ),
  ) as tf.Scalar;
}

const constants = (c: AdamConstants) => [c.lr, c.beta1, c.beta2, c.bc1, c.bc2, c.eps, c.weightDecay];
