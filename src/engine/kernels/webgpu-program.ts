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
  /**
   * Size-free shader: the bound check reads `uniforms.n` (an i32 set from `invocations` at each
   * run) instead of a constant, so one compiled pipeline serves every size; the key must then not
   * contain the size. Extra i32 uniforms go in `intUniforms` ('rows : i32,'), passed to runFlat.
   */
  sizeFree?: boolean;
  intUniforms?: string;
}

/** A program tfjs's backend runs: inputs are the arrays named in `inputs`, the output is `result`. */
export function flatProgram(
  key: string,
  inputs: string[],
  outputShape: number[],
  invocations: number,
  body: string,
  opts: FlatProgramOptions = {},
): WebGPUProgram {
  const ints = `${opts.sizeFree ? 'n : i32,' : ''}${opts.intUniforms ?? ''}`;
  const uniforms = `${ints}${opts.uniforms ?? ''}`;
  return {
    flatSize: opts.sizeFree ? invocations : undefined,
    outputShape,
    shaderKey: key,
    dispatchLayout: { x: outputShape.map((_, i) => i) },
    dispatch: [Math.ceil(invocations / WG), 1, 1],
    variableNames: inputs,
    workgroupSize: [WG, 1, 1],
    ...(uniforms ? { uniforms } : {}),
    ...(opts.variableComponents ? { variableComponents: opts.variableComponents } : {}),
    ...(opts.outputComponent ? { outputComponent: opts.outputComponent } : {}),
    getUserCode: () => `${opts.prelude ?? ''}
      fn main(i : i32) {
        // Touch the uniforms so the 'auto' pipeline layout keeps the binding tfjs always fills.
        let nan = uniforms.NAN;
        if (i >= ${opts.sizeFree ? 'uniforms.n' : invocations}) { return; }
        ${body}
      }`,
  } as unknown as WebGPUProgram;
}

/**
 * Runs a program on the active webgpu backend and returns a tensor the caller owns; `uniforms`
 * are the f32 fields, `ints` the i32 fields of `intUniforms` (a size-free program's n comes first, by itself).
 */
export function runFlat(
  p: WebGPUProgram,
  inputs: tf.Tensor[],
  dtype: 'float32' | 'int32' = 'float32',
  uniforms: number[] = [],
  ints: number[] = [],
): tf.Tensor {
  const backend = tf.backend() as WebGPUBackend;
  const n = (p as unknown as { flatSize?: number }).flatSize;
  const u = [...(n !== undefined ? [n] : []), ...ints]
    .map((d) => ({ type: 'int32', data: [d] }))
    .concat(uniforms.map((d) => ({ type: 'float32', data: [d] })));
  return tf
    .engine()
    .makeTensorFromTensorInfo(backend.runWebGPUProgram(p, inputs, dtype, (u.length ? u : undefined) as never));
}
