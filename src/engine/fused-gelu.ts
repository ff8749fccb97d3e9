/**
 * GELU (tanh form) on the webgpu backend as one kernel forward and one backward, instead of nine
 * elementwise ops forward and about twelve in their gradient. Same formula as model.ts's gelu:
 * y = 0.5 x (1 + tanh(u)), u = sqrt(2 / pi) (x + 0.044715 x^3);
 * dy/dx = 0.5 (1 + t) + 0.5 x (1 - t^2) sqrt(2 / pi) (1 + 3 * 0.044715 x^2), t = tanh(u).
 * tanh as tfjs's webgpu kernel writes it (exp of -2|u|), which cannot overflow.
 */
import * as tf from '@tensorflow/tfjs';
import type { WebGPUBackend, WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';

const WG = 64;
const C = Math.sqrt(2 / Math.PI);
const TANH = `
      fn tanhSafe(a : f32) -> f32 {
        let e = exp(-2.0 * abs(a));
        return sign(a) * (1.0 - e) / (1.0 + e);
      }`;

function program(key: string, inputs: string[], shape: number[], n: number, body: string): WebGPUProgram {
  return {
    outputShape: shape,
    shaderKey: `gelu_${key}_${n}`,
    dispatchLayout: { x: shape.map((_, i) => i) },
    dispatch: [Math.ceil(n / WG), 1, 1],
    variableNames: inputs,
    workgroupSize: [WG, 1, 1],
    getUserCode: () => `${TANH}
      fn main(i : i32) {
        let nan = uniforms.NAN; // keeps the uniform binding in the 'auto' layout
        if (i >= ${n}) { return; }
        let x = X[i];
        let t = tanhSafe(${C} * (x + 0.044715 * x * x * x));
        ${body}
      }`,
  } as unknown as WebGPUProgram;
}

function run(p: WebGPUProgram, inputs: tf.Tensor[]): tf.Tensor {
  const backend = tf.backend() as WebGPUBackend;
  return tf.engine().makeTensorFromTensorInfo(backend.runWebGPUProgram(p, inputs, 'float32'));
}

const geluKernel = tf.customGrad(((x: tf.Tensor, save: tf.GradSaveFunc) => {
  save([x]);
  return {
    value: run(program('fwd', ['X'], x.shape, x.size, 'result[i] = 0.5 * x * (1.0 + t);'), [x]),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => [
      run(program('bwd', ['X', 'DY'], saved[0].shape, saved[0].size,
        `result[i] = DY[i] * (0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * ${C} * (1.0 + ${3 * 0.044715} * x * x));`), [saved[0], dy]),
    ],
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (x: tf.Tensor) => tf.Tensor;

/** GELU of a float32 tensor on the active webgpu backend (the caller checks the backend). */
export function fusedGelu(x: tf.Tensor): tf.Tensor {
  return geluKernel(x);
}
