/**
 * GELU (tanh form) on the webgpu backend as one kernel forward and one backward, instead of nine
 * elementwise ops forward and about twelve in their gradient. Same formula as model.ts's gelu:
 * y = 0.5 x (1 + tanh(u)), u = sqrt(2 / pi) (x + 0.044715 x^3);
 * dy/dx = 0.5 (1 + t) + 0.5 x (1 - t^2) sqrt(2 / pi) (1 + 3 * 0.044715 x^2), t = tanh(u).
 * tanh as tfjs's webgpu kernel writes it (exp of -2|u|), which cannot overflow.
 */
import * as tf from '@tensorflow/tfjs';
import { flatProgram, runFlat } from './webgpu-program.ts';

const C = Math.sqrt(2 / Math.PI);
/** WGSL tanhSafe(a), shared with fused-decode.ts. */
export const TANH = `
      fn tanhSafe(a : f32) -> f32 {
        let e = exp(-2.0 * abs(a));
        return sign(a) * (1.0 - e) / (1.0 + e);
      }`;

/** t = tanh(u) of element i, then `body`. */
const gelu = (key: string, inputs: string[], x: tf.Tensor, body: string, ts: tf.Tensor[]) =>
  runFlat(
    flatProgram(
      `gelu_${key}`,
      inputs,
      x.shape,
      x.size,
      `
        let x = X[i];
        let t = tanhSafe(${C} * (x + 0.044715 * x * x * x));
        ${body}`,
      { prelude: TANH, sizeFree: true },
    ),
    ts,
  );

const geluKernel = tf.customGrad(((x: tf.Tensor, save: tf.GradSaveFunc) => {
  save([x]);
  return {
    value: gelu('fwd', ['X'], x, 'result[i] = 0.5 * x * (1.0 + t);', [x]),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => [
      gelu(
        'bwd',
        ['X', 'DY'],
        saved[0],
        `result[i] = DY[i] * (0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * ${C} * (1.0 + ${3 * 0.044715} * x * x));`,
        [saved[0], dy],
      ),
    ],
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (x: tf.Tensor) => tf.Tensor;

/** GELU of a float32 tensor on the active webgpu backend (the caller checks the backend). */
export function fusedGelu(x: tf.Tensor): tf.Tensor {
  return geluKernel(x);
}
