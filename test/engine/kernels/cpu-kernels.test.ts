/**
 * The barrier-free WebGPU kernels (src/engine/kernels/cpu-kernels.ts) against the cpu backend, on Dawn's
 * llvmpipe adapter where initBackend installs them: matMul with every transpose, shapes that do
 * not fill a 4 x 4 block, batch broadcasting and rank 4; softmax; sum / mean / max / min over
 * inner, outer (leading, without a transpose) and several axes; transposes of rank 2 to 4; argMax;
 * float32 tensors backed by int32 buffers; NaN propagation.
 */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { backendLabel, initBackend } from '../../../src/engine/backend.ts';
import {
  installCpuKernels,
  isCpuAdapter,
  isUnidentifiedAdapter,
  probeCpuKernels,
} from '../../../src/engine/kernels/cpu-kernels.ts';
import { installNodeWebGPU } from '../../../src/engine/node.ts';
import { maxRelDiff, useCpu } from '../helpers.ts';

const vals = (shape: number[], a: number, b: number) => {
  const n = shape.reduce((x, y) => x * y, 1);
  return tf.tensor(
    Array.from({ length: n }, (_, i) => Math.sin(i * a + b) * 2),
    shape,
  );
};

type Case = [string, () => tf.Tensor];
const CASES: Case[] = [
  ['matMul 5x3 @ 3x7', () => tf.matMul(vals([5, 3], 0.7, 0.1), vals([3, 7], 1.1, 0.2))],
  ['matMul 8x16 @ 16x12 (aligned, vec4 B)', () => tf.matMul(vals([8, 16], 0.3, 0.1), vals([16, 12], 0.9, 0.4))],
  // M, K, N all multiples of 4: the vec4 kernel, with every transpose and broadcast.
  ['vec4 A^T', () => tf.matMul(vals([8, 4], 0.7, 0.1), vals([8, 12], 1.3, 0.2), true, false)],
  ['vec4 B^T', () => tf.matMul(vals([4, 8], 0.5, 0.3), vals([12, 8], 1.7, 0.2), false, true)],
  ['vec4 A^T B^T', () => tf.matMul(vals([8, 4], 0.5, 0.3), vals([12, 8], 1.7, 0.2), true, true)],
  ['vec4 A^T, 8 rows per invocation', () => tf.matMul(vals([12, 8], 0.3, 0.4), vals([12, 8], 1.1, 0.2), true, false)],
  ['vec4 A^T B^T, 8 rows per invocation', () => tf.matMul(vals([4, 16], 0.3, 0.4), vals([8, 4], 1.1, 0.2), true, true)],
  ['vec4 broadcast [3,4,8] @ [8,4]', () => tf.matMul(vals([3, 4, 8], 0.4, 0.0), vals([8, 4], 0.8, 0.5))],
  ['vec4 rank 4 q @ k^T', () => tf.matMul(vals([2, 2, 8, 4], 0.2, 0.1), vals([2, 2, 12, 4], 0.6, 0.3), false, true)],
  [
    'vec4 one-hot^T @ dy (int32 buffer)',
    () => tf.matMul(tf.transpose(tf.oneHot(tf.tensor1d([0, 2, 1, 3, 0, 1, 1, 2], 'int32'), 4)), vals([8, 4], 0.4, 0.2)),
  ],
  ['matMul A^T', () => tf.matMul(vals([3, 5], 0.7, 0.1), vals([3, 6], 1.3, 0.2), true, false)],
  ['matMul B^T', () => tf.matMul(vals([6, 4], 0.5, 0.3), vals([9, 4], 1.7, 0.2), false, true)],
  ['matMul A^T B^T', () => tf.matMul(vals([4, 6], 0.5, 0.3), vals([5, 4], 1.7, 0.2), true, true)],
  ['batched [3,5,4] @ [3,4,6]', () => tf.matMul(vals([3, 5, 4], 0.4, 0.0), vals([3, 4, 6], 0.8, 0.5))],
  ['broadcast [3,5,4] @ [4,6]', () => tf.matMul(vals([3, 5, 4], 0.4, 0.0), vals([4, 6], 0.8, 0.5))],
  ['broadcast [1,5,4] @ [3,4,6]', () => tf.matMul(vals([1, 5, 4], 0.4, 0.0), vals([3, 4, 6], 0.8, 0.5))],
  ['rank 4 q @ k^T', () => tf.matMul(vals([2, 3, 5, 4], 0.2, 0.1), vals([2, 3, 7, 4], 0.6, 0.3), false, true)],
  // tfjs's int32 -> float32 cast relabels the int32 buffer: the kernels must read it as integers.
  [
    'matMul of a cast one-hot (int32 buffer)',
    () =>
      tf.matMul(
        tf.transpose(tf.oneHot(tf.tensor1d([0, 2, 1, 2, 0, 1, 1, 2, 0, 0, 1, 2, 2, 1, 0, 2], 'int32'), 3)),
        vals([16, 5], 0.4, 0.2),
      ),
  ],
  [
    'sum of a cast int32 tensor',
    () =>
      tf.sum(
        tf.cast(
          tf.tensor2d(
            [
              [1, 2, 3],
              [40, 50, 60],
            ],
            [2, 3],
            'int32',
          ),
          'float32',
        ),
        -1,
      ),
  ],
  ['one row (decode) [6,1,8] @ [6,8,5]', () => tf.matMul(vals([6, 1, 8], 0.4, 0.1), vals([6, 8, 5], 0.9, 0.3))],
  [
    'one row, B^T, broadcast [1,12] @ [7,12]^T',
    () => tf.matMul(vals([1, 12], 0.4, 0.1), vals([7, 12], 0.9, 0.3), false, true),
  ],
  ['argMax rows (as float)', () => tf.cast(tf.argMax(vals([5, 9], 1.7, 0.3), -1), 'float32')],
  [
    'argMax with ties takes the first',
    () =>
      tf.cast(
        tf.argMax(
          tf.tensor2d([
            [1, 3, 3, 2],
            [0, 0, 0, 0],
          ]),
          -1,
        ),
        'float32',
      ),
  ],
  ['softmax rows', () => tf.softmax(vals([6, 9], 0.9, 0.2))],
  [
    'softmax rank 4 with -1e9 bias',
    () =>
      tf.softmax(
        tf.add(vals([2, 2, 3, 5], 0.9, 0.2), tf.mul(tf.sub(tf.linalg.bandPart(tf.ones([3, 5]), -1, 0), 1), 1e9)),
      ),
  ],
  ['sum inner', () => tf.sum(vals([4, 7], 0.5, 0.1), -1)],
  ['sum outer keepDims', () => tf.sum(vals([4, 7], 0.5, 0.1), 0, true)],
  ['sum all', () => tf.sum(vals([3, 4, 5], 0.5, 0.1))],
  ['mean middle axis', () => tf.mean(vals([3, 4, 5], 0.5, 0.1), 1)],
  ['max two axes', () => tf.max(vals([3, 4, 5], 0.5, 0.1), [0, 2])],
  ['min keepDims', () => tf.min(vals([3, 4, 5], 0.5, 0.1), -1, true)],
  ['transpose 2-D', () => tf.transpose(vals([5, 7], 0.3, 0.2))],
  ['transpose rank 3 [0,2,1]', () => tf.transpose(vals([2, 3, 5], 0.3, 0.2), [0, 2, 1])],
  ['transpose rank 4 heads [0,2,1,3]', () => tf.transpose(vals([2, 5, 3, 4], 0.7, 0.1), [0, 2, 1, 3])],
  ['transpose rank 4 [3,1,0,2]', () => tf.transpose(vals([2, 3, 4, 5], 0.7, 0.1), [3, 1, 0, 2])],
  [
    'transpose of a cast int32 tensor',
    () =>
      tf.transpose(
        tf.cast(
          tf.tensor2d(
            [
              [1, 2, 3],
              [40, 50, 60],
            ],
            [2, 3],
            'int32',
          ),
          'float32',
        ),
      ),
  ],
  ['sum of leading axes (bias gradient) [33,7]', () => tf.sum(vals([33, 7], 0.5, 0.1), 0)],
  ['sum of two leading axes [3,4,5]', () => tf.sum(vals([3, 4, 5], 0.5, 0.1), [0, 1])],
  ['mean of the leading axis, keepDims', () => tf.mean(vals([6, 4, 3], 0.5, 0.1), 0, true)],
  ['max of the leading axis', () => tf.max(vals([5, 4], 0.5, 0.1), 0)],
  [
    'gradient of logSoftmax cross-entropy',
    () => tf.grad((x: tf.Tensor) => tf.sum(tf.mul(tf.logSoftmax(x), vals([4, 6], 0.3, 0.2))))(vals([4, 6], 1.1, 0.7)),
  ],
];

async function runAll(): Promise<{ shape: number[]; data: Float32Array }[]> {
  const out: { shape: number[]; data: Float32Array }[] = [];
  for (const [, f] of CASES) {
    const t = tf.tidy(f);
    out.push({ shape: t.shape, data: (await t.data()) as Float32Array });
    t.dispose();
  }
  return out;
}

describe('barrier-free kernels on a CPU-emulated WebGPU adapter', () => {
  it('recognizes llvmpipe, SwiftShader and fallback adapters, and not a real GPU', () => {
    expect(
      isCpuAdapter({
        description: 'OpenGL version OpenGL ES 3.2 Mesa 22.3.6',
        device: 'llvmpipe-llvm-15-0-6-256-bits-',
      }),
    ).toBe(true);
    expect(isCpuAdapter({ vendor: 'google', architecture: 'swiftshader' })).toBe(true);
    expect(isCpuAdapter({ vendor: '', isFallbackAdapter: true })).toBe(true);
    expect(
      isCpuAdapter({
        vendor: 'nvidia',
        architecture: 'hopper',
        description: 'NVIDIA H100 80GB HBM3',
        isFallbackAdapter: false,
      }),
    ).toBe(false);
    const label = backendLabel({
      name: 'webgpu',
      skipped: [],
      selfTest: { ok: true, maxRelDiff: 0, ms: 1 },
      adapter: {
        vendor: '',
        architecture: '',
        description: '',
        device: 'llvmpipe',
        isFallbackAdapter: false,
        featureLevel: 'compatibility',
        cpuKernels: true,
      },
    });
    expect(label).toBe('WebGPU · llvmpipe (compatibility mode, CPU kernels)');
    expect(isUnidentifiedAdapter({ vendor: '', architecture: '', description: '', device: '' })).toBe(true);
    expect(isUnidentifiedAdapter({ vendor: '', architecture: '', description: '', device: 'llvmpipe' })).toBe(false);
  });

  it('match the cpu backend within 1e-5 on every case', async () => {
    await useCpu();
    const ref = await runAll();
    const why = await installNodeWebGPU('opengles');
    if (why)
      throw new Error(
        `webgpu unavailable here: ${why} (Dawn needs Mesa's OpenGL ES: apt-get install -y libegl-mesa0 libgl1-mesa-dri)`,
      );
    const st = await initBackend({ order: ['webgpu'], webgpuFeatureLevel: 'compatibility' });
    expect(st.name).toBe('webgpu');
    expect(st.adapter?.cpuKernels).toBe(true);
    const ours = await runAll();
    CASES.forEach(([name], i) => {
      expect(ours[i].shape, name).toEqual(ref[i].shape);
      expect(maxRelDiff(ours[i].data, ref[i].data), name).toBeLessThan(1e-5);
    });
    const nan = tf.tensor2d([
      [1, NaN, 3],
      [4, 5, 6],
    ]);
    expect(Array.from(await tf.max(nan, -1).data())).toEqual([NaN, 6]);
    expect(Array.from(await tf.min(nan, -1).data())).toEqual([NaN, 4]);
    // The same over the leading axis (no transpose on that path).
    expect(Array.from(await tf.max(nan, 0).data())).toEqual([4, NaN, 6]);
    expect(Array.from(await tf.min(nan, 0).data())).toEqual([1, NaN, 3]);
    nan.dispose();
  }, 120_000);

  it('the probe times both kernel sets, leaves the registry as it reports and leaks no tensor', async () => {
    // initBackend of the previous test made webgpu active. Which set wins is a timing, not asserted.
    const before = tf.memory().numTensors;
    const p = await probeCpuKernels();
    expect(p.tfjsMs).toBeGreaterThan(0);
    expect(p.oursMs).toBeGreaterThan(0);
    expect(tf.memory().numTensors).toBe(before);
    const softmax = tf.getKernel('Softmax', 'webgpu')?.kernelFunc;
    installCpuKernels(); // idempotent when installed, so the kernel is unchanged exactly when the probe kept ours
    expect(tf.getKernel('Softmax', 'webgpu')?.kernelFunc === softmax).toBe(p.installed);
  }, 120_000);
});
