/**
 * Barrier-free WebGPU kernels for adapters that run shaders on the CPU (llvmpipe through GLES,
 * SwiftShader). tfjs's matMul, softmax and reductions share workgroup memory and synchronise with
 * workgroupBarrier(), which is cheap on a GPU and very expensive when a CPU emulates the workgroup
 * (llvmpipe turns every barrier into a coroutine switch per invocation): measured in Node on
 * llvmpipe, softmax over [32, 128, 128] took 34.7 ms against wasm's 0.6 ms, a [1024, 64] x [64, 192]
 * matMul 10.5 ms against 1.5 ms. Here every invocation computes its outputs alone with plain loops.
 * Registered over tfjs's kernels only on such adapters (see installCpuKernels; an adapter that hides
 * its name, as Chromium's do, is timed both ways by probeCpuKernels); on a real GPU the tiled
 * kernels stay. Anything these do not cover (other dtypes, broadcasting they do not handle)
 * goes to the original kernel.
 * IMPORTANT: every read is wrapped in f32(): tfjs's int32 -> float32 cast keeps the int32 buffer
 * and only relabels the tensor, so a float32 input can be backed by array<i32>.
 */
import * as tf from '@tensorflow/tfjs';
import type { WebGPUBackend, WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';
import { flatProgram } from './webgpu-program.ts';

type TensorInfo = tf.TensorInfo;
type KernelFunc = tf.KernelConfig['kernelFunc'];
type Args = Parameters<KernelFunc>[0];

interface Originals {
  [name: string]: KernelFunc;
}

/** out[b] = op(A[b]) @ op(B[b]), with A batch 1 or equal to B's (and vice versa). */
function batchMatMul(orig: Originals): KernelFunc {
  return (args: Args) => {
    const { a, b } = args.inputs as { a: TensorInfo; b: TensorInfo };
    const { transposeA, transposeB } = args.attrs as { transposeA: boolean; transposeB: boolean };
    const backend = args.backend as WebGPUBackend;
    if (a.dtype !== 'float32' || b.dtype !== 'float32' || a.shape.length < 2 || b.shape.length < 2)
      return orig.BatchMatMul(args);
    const ra = a.shape.length,
      rb = b.shape.length;
    const M = transposeA ? a.shape[ra - 1] : a.shape[ra - 2];
    const K = transposeA ? a.shape[ra - 2] : a.shape[ra - 1];
    const N = transposeB ? b.shape[rb - 2] : b.shape[rb - 1];
    const outerA = a.shape.slice(0, -2),
      outerB = b.shape.slice(0, -2);
    const batchA = outerA.reduce((x, y) => x * y, 1),
      batchB = outerB.reduce((x, y) => x * y, 1);
    // Broadcast only whole batches (one side 1 or both equal and of the same shape).
    const sameOuter = outerA.length === outerB.length && outerA.every((d, i) => d === outerB[i]);
    if (!(sameOuter || batchA === 1 || batchB === 1)) return orig.BatchMatMul(args);
    const outer = batchA >= batchB ? outerA : outerB;
    const batch = Math.max(batchA, batchB);
    if (M % 4 === 0 && N % 4 === 0 && K % 4 === 0) {
      return backend.runWebGPUProgram(
        vec4MatMul(M, K, N, batch, batchA, batchB, transposeA, transposeB, outer),
        [a, b],
        'float32',
      );
    }
    // Other shapes: a 4 x 4 block of scalar loads, 8 loads per 16 multiply-adds.
    const cols4 = Math.ceil(N / 4),
      rows4 = Math.ceil(M / 4);
    const aIdx = (r: string, c: string) =>
      transposeA ? `aOff + (${c}) * ${M} + (${r})` : `aOff + (${r}) * ${K} + (${c})`;
    const bIdx = (r: string, c: string) =>
      transposeB ? `bOff + (${c}) * ${K} + (${r})` : `bOff + (${r}) * ${N} + (${c})`;
    // Clamp reads past the last row / column only where the block can overrun.
    const rowsAt = [0, 1, 2, 3].map((d) => (M % 4 === 0 ? `row + ${d}` : `min(row + ${d}, ${M - 1})`));
    const colsAt = [0, 1, 2, 3].map((d) => (N % 4 === 0 ? `col + ${d}` : `min(col + ${d}, ${N - 1})`));
    // B as vec4 when a block's four columns are contiguous and aligned.
    const bVec4 = !transposeB && N % 4 === 0;
    const bRead = bVec4
      ? `vec4<f32>(B[(bOff + k * ${N} + col) / 4])`
      : `vec4<f32>(f32(B[${bIdx('k', colsAt[0])}]), f32(B[${bIdx('k', colsAt[1])}]), f32(B[${bIdx('k', colsAt[2])}]), f32(B[${bIdx('k', colsAt[3])}]))`;
    const body = `
        let bi = i / ${rows4 * cols4};
        let rem = i % ${rows4 * cols4};
        let row = (rem / ${cols4}) * 4;
        let col = (rem % ${cols4}) * 4;
        let aOff = ${batchA === 1 ? '0' : `bi * ${M * K}`};
        let bOff = ${batchB === 1 ? '0' : `bi * ${K * N}`};
        var s0 = vec4<f32>(0.0); var s1 = vec4<f32>(0.0); var s2 = vec4<f32>(0.0); var s3 = vec4<f32>(0.0);
        for (var k = 0; k < ${K}; k++) {
          let av = vec4<f32>(f32(A[${aIdx(rowsAt[0], 'k')}]), f32(A[${aIdx(rowsAt[1], 'k')}]), f32(A[${aIdx(rowsAt[2], 'k')}]), f32(A[${aIdx(rowsAt[3], 'k')}]));
          let bv = ${bRead};
          s0 += av.x * bv; s1 += av.y * bv; s2 += av.z * bv; s3 += av.w * bv;
        }
        let ob = bi * ${M * N};
        var rs = array<vec4<f32>, 4>(s0, s1, s2, s3);
        for (var dr = 0; dr < 4; dr++) {
          if (row + dr < ${M}) {
            let o = ob + (row + dr) * ${N} + col;
            let v = rs[dr];
            result[o] = v.x;
            if (col + 1 < ${N}) { result[o + 1] = v.y; }
            if (col + 2 < ${N}) { result[o + 2] = v.z; }
            if (col + 3 < ${N}) { result[o + 3] = v.w; }
          }
        }`;
    const key = `cpuMatMul_${batchA}_${batchB}_${M}_${K}_${N}_${transposeA}_${transposeB}`;
    const program = flatProgram(
      key,
      ['A', 'B'],
      [...outer, M, N],
      batch * rows4 * cols4,
      body,
      bVec4 ? { variableComponents: [1, 4] } : {},
    );
    return backend.runWebGPUProgram(program, [a, b], 'float32');
  };
}

/**
 * All of M, K, N multiples of 4: operands and output read and written as vec4 along whichever axis
 * is contiguous, each invocation an R x 4 output block over 4-deep slices of K (R = 8: 12 vec4
 * loads per 128 multiply-adds). On llvmpipe 1.3-1.7x faster than the scalar 4 x 4 block for every
 * matMul of the model, and R = 8 another 10-25% over R = 4 (Node, ops timed in one run).
 */
function vec4MatMul(
  M: number,
  K: number,
  N: number,
  batch: number,
  batchA: number,
  batchB: number,
  tA: boolean,
  tB: boolean,
  outer: number[],
): WebGPUProgram {
  // R output rows per invocation: 8 where M allows (more multiply-adds per load), else 4.
  const R = M % 8 === 0 ? 8 : 4;
  const cols4 = N / 4,
    rowsR = M / R,
    q = [0, 1, 2, 3],
    rs = [...Array(R).keys()],
    groups = [...Array(R / 4).keys()];
  // vec4 loads: A rows (over k) or, transposed, slices of A's k-th row (over output rows); B likewise.
  const aLoads = tA
    ? q.flatMap((kk) =>
        groups.map((g) => `let a${kk}_${g} = vec4<f32>(A[(aOff + (k + ${kk}) * ${M} + row + ${4 * g}) / 4]);`),
      )
    : rs.map((r) => `let a${r} = vec4<f32>(A[(aOff + (row + ${r}) * ${K} + k) / 4]);`);
  const bLoads = q.map((j) =>
    tB
      ? `let b${j} = vec4<f32>(B[(bOff + (col + ${j}) * ${K} + k) / 4]);`
      : `let b${j} = vec4<f32>(B[(bOff + (k + ${j}) * ${N} + col) / 4]);`,
  );
  const aAt = (r: number, kk: number) => (tA ? `a${kk}_${r >> 2}[${r & 3}]` : `a${r}[${kk}]`); // A[row + r, k + kk]
  const bRow = (kk: number) => (tB ? `vec4<f32>(b0[${kk}], b1[${kk}], b2[${kk}], b3[${kk}])` : `b${kk}`); // B[k + kk, col..col+3]
  const body = `
        let bi = i / ${rowsR * cols4};
        let rem = i % ${rowsR * cols4};
        let row = (rem / ${cols4}) * ${R};
        let col = (rem % ${cols4}) * 4;
        let aOff = ${batchA === 1 ? '0' : `bi * ${M * K}`};
        let bOff = ${batchB === 1 ? '0' : `bi * ${K * N}`};
        ${rs.map((r) => `var s${r} = vec4<f32>(0.0);`).join(' ')}
        for (var k = 0; k < ${K}; k += 4) {
          ${aLoads.join(' ')}
          ${bLoads.join(' ')}
          ${q.map((kk) => `let r${kk} = ${bRow(kk)};`).join(' ')}
          ${rs.map((r) => `s${r} += ${q.map((kk) => `${aAt(r, kk)} * r${kk}`).join(' + ')};`).join('\n          ')}
        }
        let o = (bi * ${M * N} + row * ${N} + col) / 4;
        ${rs.map((r) => `result[o + ${r * cols4}] = s${r};`).join(' ')}`;
  return flatProgram(
    `cpuMatMulVec4_${R}_${batchA}_${batchB}_${M}_${K}_${N}_${tA}_${tB}`,
    ['A', 'B'],
    [...outer, M, N],
    batch * rowsR * cols4,
    body,
    { variableComponents: [4, 4], outputComponent: 4 },
  );
}

/** Softmax over the last axis: one invocation per row (max, sum of exp, normalise). */
function softmax(orig: Originals): KernelFunc {
  return (args: Args) => {
    const { logits } = args.inputs as { logits: TensorInfo };
    const backend = args.backend as WebGPUBackend;
    const dim = (args.attrs as { dim: number }).dim;
    const r = logits.shape.length;
    if (logits.dtype !== 'float32' || (dim !== -1 && dim !== r - 1)) return orig.Softmax(args);
    const cols = logits.shape[r - 1];
    const rows = logits.shape.reduce((x, y) => x * y, 1) / cols;
    const body = `
        let base = i * ${cols};
        var mx = -3.402823e+38f;
        for (var c = 0; c < ${cols}; c++) { mx = max(mx, f32(A[base + c])); }
        var s = 0.0;
        for (var c = 0; c < ${cols}; c++) { s += exp(f32(A[base + c]) - mx); }
        for (var c = 0; c < ${cols}; c++) { result[base + c] = exp(f32(A[base + c]) - mx) / s; }`;
    return backend.runWebGPUProgram(
      flatProgram(`cpuSoftmax_${rows}_${cols}`, ['A'], logits.shape, rows, body),
      [logits],
      'float32',
    );
  };
}

/** ArgMax over the last axis: one invocation per row, the first index of the largest value (as tfjs's cpu backend). */
function argMax(orig: Originals): KernelFunc {
  return (args: Args) => {
    const { x } = args.inputs as { x: TensorInfo };
    const backend = args.backend as WebGPUBackend;
    const r = x.shape.length;
    const axis = tf.util.parseAxisParam((args.attrs as { axis: number | number[] }).axis, x.shape);
    if (x.dtype !== 'float32' || r === 0 || axis.length !== 1 || axis[0] !== r - 1) return orig.ArgMax(args);
    const cols = x.shape[r - 1];
    const rows = x.shape.reduce((p, d) => p * d, 1) / cols;
    const body = `
        let base = i * ${cols};
        var best = f32(A[base]);
        var at = 0;
        for (var c = 1; c < ${cols}; c++) { let v = f32(A[base + c]); if (v > best) { best = v; at = c; } }
        result[i] = at;`;
    return backend.runWebGPUProgram(
      flatProgram(`cpuArgMax_${rows}_${cols}`, ['A'], x.shape.slice(0, -1), rows, body),
      [x],
      'int32',
    );
  };
}

type ReduceKind = 'sum' | 'mean' | 'max' | 'min';

/** Sum / Mean / Max / Min over any axes: reduced axes moved innermost, then one invocation per output. */
/** Output i = the reduction over r < inSize of A[index(r, i)]. */
function reduceBody(kind: ReduceKind, inSize: number, index: string): string {
  const init = kind === 'max' ? '-3.402823e+38f' : kind === 'min' ? '3.402823e+38f' : '0.0';
  const step = kind === 'max' ? 'acc = max(acc, v);' : kind === 'min' ? 'acc = min(acc, v);' : 'acc += v;';
  // A NaN input must give NaN, as tfjs's reductions do (max/min would skip it).
  const nan = kind === 'max' || kind === 'min' ? 'if (v != v) { hasNaN = true; }' : '';
  return `
        var acc = ${init};
        var hasNaN = false;
        for (var r = 0; r < ${inSize}; r++) { let v = f32(A[${index}]); ${nan} ${step} }
        ${kind === 'mean' ? `acc = acc / ${inSize}.0;` : ''}
        if (hasNaN) { acc = nan; }
        result[i] = acc;`;
}

/** Transpose without tfjs's shared-memory tiles: output i reads its input element through the permuted strides. */
function transpose(orig: Originals): KernelFunc {
  return (args: Args) => {
    const { x } = args.inputs as { x: TensorInfo };
    const { perm } = args.attrs as unknown as { perm: number[] };
    const backend = args.backend as WebGPUBackend;
    if (x.dtype !== 'float32' || x.shape.length < 2) return orig.Transpose(args);
    const outShape = perm.map((p) => x.shape[p]);
    const inStrides = tf.util.computeStrides(x.shape).concat([1]);
    const outStrides = tf.util.computeStrides(outShape).concat([1]);
    const size = outShape.reduce((p, d) => p * d, 1);
    // Output coordinate k (stride outStrides[k]) is input axis perm[k].
    const terms = outShape.map((d, k) => `((i / ${outStrides[k]}) % ${d}) * ${inStrides[perm[k]]}`).join(' + ');
    return backend.runWebGPUProgram(
      flatProgram(
        `cpuTranspose_${x.shape.join('x')}_${perm.join('_')}`,
        ['A'],
        outShape,
        size,
        `result[i] = f32(A[${terms}]);`,
      ),
      [x],
      'float32',
    );
  };
}

function reduce(kind: ReduceKind, name: string, orig: Originals, transposeKernel: KernelFunc): KernelFunc {
  return (args: Args) => {
    const { x } = args.inputs as { x: TensorInfo };
    const backend = args.backend as WebGPUBackend;
    // Max names its axes reductionIndices; Sum, Mean and Min name them axis.
    const at = args.attrs as { axis?: number | number[]; reductionIndices?: number | number[]; keepDims: boolean };
    const axis = (at.axis ?? at.reductionIndices) as number | number[];
    const keepDims = at.keepDims;
    if (x.dtype !== 'float32' || x.shape.length === 0) return orig[name](args);
    const rank = x.shape.length;
    const axes = tf.util.parseAxisParam(axis, x.shape);
    const perm = tf.backend_util.getAxesPermutation(axes, rank);
    const sorted = [...axes].sort((p, q) => p - q);
    if (perm != null && sorted.every((ax, k) => ax === k)) {
      // Leading axes (a bias gradient's column sums): output i reads A[r * outSize + i], no transpose.
      const inSize = sorted.reduce((p, ax) => p * x.shape[ax], 1);
      const outSize = x.shape.slice(sorted.length).reduce((p, d) => p * d, 1);
      const outShape = x.shape.slice(sorted.length);
      const shape = keepDims ? tf.backend_util.expandShapeToKeepDim(outShape, axes) : outShape;
      return backend.runWebGPUProgram(
        flatProgram(
          `cpuReduceLead_${kind}_${outSize}_${inSize}`,
          ['A'],
          shape,
          outSize,
          reduceBody(kind, inSize, `r * ${outSize} + i`),
        ),
        [x],
        'float32',
      );
    }
    let input = x;
    if (perm != null)
      input = transposeKernel({ inputs: { x }, attrs: { perm }, backend } as unknown as Args) as TensorInfo;
    const inner = tf.backend_util.getInnerMostAxes(axes.length, rank);
    const [outShape, reduceShape] = tf.backend_util.computeOutAndReduceShapes(input.shape, inner);
    const inSize = reduceShape.reduce((p, d) => p * d, 1);
    const outSize = outShape.reduce((p, d) => p * d, 1);
    const body = reduceBody(kind, inSize, `i * ${inSize} + r`);
    const shape = keepDims ? tf.backend_util.expandShapeToKeepDim(outShape, axes) : outShape;
    const res = backend.runWebGPUProgram(
      flatProgram(`cpuReduce_${kind}_${outSize}_${inSize}`, ['A'], shape, outSize, body),
      [input],
      'float32',
    );
    if (input !== x) backend.disposeData(input.dataId);
    return res;
  };
}

const KERNELS = ['BatchMatMul', 'Softmax', 'Sum', 'Mean', 'Max', 'Min', 'ArgMax', 'Transpose'] as const;
let originals: Originals | undefined;

/** Whether an adapter runs its shaders on the CPU (these kernels help there). */
export function isCpuAdapter(a: {
  vendor?: string;
  architecture?: string;
  description?: string;
  device?: string;
  isFallbackAdapter?: boolean;
}): boolean {
  return (
    Boolean(a.isFallbackAdapter) ||
    /llvmpipe|lavapipe|swiftshader|softpipe/i.test(`${a.vendor} ${a.architecture} ${a.description} ${a.device ?? ''}`)
  );
}

/** Whether the adapter says nothing about itself (Chromium hides vendor, architecture and device). */
export function isUnidentifiedAdapter(a: {
  vendor?: string;
  architecture?: string;
  description?: string;
  device?: string;
}): boolean {
  return !`${a.vendor ?? ''}${a.architecture ?? ''}${a.description ?? ''}${a.device ?? ''}`.trim();
}

/** Replaces tfjs's webgpu matMul, softmax and reductions by the barrier-free ones (idempotent). */
export function installCpuKernels(): void {
  if (originals) return;
  const orig: Originals = {};
  for (const name of KERNELS) {
    const k = tf.getKernel(name, 'webgpu');
    if (!k) return; // the webgpu backend is not registered: nothing to replace
    orig[name] = k.kernelFunc;
  }
  const tr = transpose(orig);
  const ours: Record<(typeof KERNELS)[number], KernelFunc> = {
    BatchMatMul: batchMatMul(orig),
    Softmax: softmax(orig),
    Sum: reduce('sum', 'Sum', orig, tr),
    Mean: reduce('mean', 'Mean', orig, tr),
    Max: reduce('max', 'Max', orig, tr),
    Min: reduce('min', 'Min', orig, tr),
    ArgMax: argMax(orig),
    Transpose: tr,
  };
  for (const name of KERNELS) {
    tf.unregisterKernel(name, 'webgpu');
    tf.registerKernel({ kernelName: name, backendName: 'webgpu', kernelFunc: ours[name] });
  }
  originals = orig;
}

/** Whether these kernels are installed now. */
export function cpuKernelsInstalled(): boolean {
  return originals !== undefined;
}

/** Puts tfjs's own kernels back. */
export function uninstallCpuKernels(): void {
  if (!originals) return;
  for (const name of KERNELS) {
    tf.unregisterKernel(name, 'webgpu');
    tf.registerKernel({ kernelName: name, backendName: 'webgpu', kernelFunc: originals[name] });
  }
  originals = undefined;
}

/** Milliseconds of one attention-sized workload (scores, softmax, weighted values, row sums) on the active backend. */
async function attentionMs(): Promise<number> {
  const [q, k] = tf.tidy(() => [
    tf.randomNormal([32, 128, 16], 0, 1, 'float32', 1),
    tf.randomNormal([32, 128, 16], 0, 1, 'float32', 2),
  ]);
  const once = () => tf.tidy(() => tf.sum(tf.matMul(tf.softmax(tf.matMul(q, k, false, true)), k), -1));
  let best = Infinity;
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    const r = once();
    await r.data(); // i = 0 also compiles the shaders; the best of three is kept
    r.dispose();
    best = Math.min(best, performance.now() - t0);
  }
  tf.dispose([q, k]);
  return best;
}

/**
 * For an adapter that does not say what it is: time an attention-sized workload with tfjs's
 * kernels and with these, and keep these only when they are at least 1.5x faster (on a real GPU
 * tfjs's tiled kernels win by far). The webgpu backend must be active.
 */
export async function probeCpuKernels(): Promise<{ tfjsMs: number; oursMs: number; installed: boolean }> {
  uninstallCpuKernels();
  const tfjsMs = await attentionMs();
  installCpuKernels();
  const oursMs = await attentionMs();
  const installed = oursMs * 1.5 <= tfjsMs;
  if (!installed) uninstallCpuKernels();
  return { tfjsMs, oursMs, installed };
}
