/**
 * The one shape every hand-written WebGPU kernel of the engine takes (cpu-kernels.ts and the fused
 * LayerNorm, GELU and Adam): a flat dispatch of `invocations` invocations in workgroups of 64, the
 * WGSL body given the flat index `i`, run through tfjs's webgpu backend so its buffers, uniforms
 * and pipeline cache are reused.
 */
import * as tf from '@tensorflow/tfjs';
import type { WebGPUBackend, WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';

const WG = 64;

export interface FlatProgramOptions {
  /** Extra uniform fields, e.g. 'lr : f32, beta1 : f32,' (values passed to runFlat in order). */
  uniforms?: string;
  /** WGSL placed before main (helper functions). */
  prelude?: string;
  /** Read inputs / write the output as vecN (tfjs declares the arrays accordingly). */
  variableComponents?: number[];
  outputComponent?: number;
}

/** A program tfjs's backend runs: inputs are the arrays named in `inputs`, the output is `result`. */
export function flatProgram(key: string, inputs: string[], outputShape: number[], invocations: number, body: string, opts: FlatProgramOptions = {}): WebGPUProgram {
  return {
    outputShape,
    shaderKey: key,
    dispatchLayout: { x: outputShape.map((_, i) => i) },
    dispatch: [Math.ceil(invocations / WG), 1, 1],
    variableNames: inputs,
    workgroupSize: [WG, 1, 1],
    ...(opts.uniforms ? { uniforms: opts.uniforms } : {}),
    ...(opts.variableComponents ? { variableComponents: opts.variableComponents } : {}),
    ...(opts.outputComponent ? { outputComponent: opts.outputComponent } : {}),
    getUserCode: () => `${opts.prelude ?? ''}
      fn main(i : i32) {
        // Touch the uniforms so the 'auto' pipeline layout keeps the binding tfjs always fills.
        let nan = uniforms.NAN;
        if (i >= ${invocations}) { return; }
        ${body}
      }`,
  } as unknown as WebGPUProgram;
}

/** Runs a program on the active webgpu backend and returns a tensor the caller owns; uniforms are f32. */
export function runFlat(p: WebGPUProgram, inputs: tf.Tensor[], dtype: 'float32' | 'int32' = 'float32', uniforms: number[] = []): tf.Tensor {
  const backend = tf.backend() as WebGPUBackend;
  const u = uniforms.map((d) => ({ type: 'float32', data: [d] }));
  return tf.engine().makeTensorFromTensorInfo(backend.runWebGPUProgram(p, inputs, dtype, (u.length ? u : undefined) as never));
}
