/**
 * Replicas: R independent models trained as one batched model. Every parameter carries a leading
 * replica axis [R, ...]; activations keep the single model's layout with the replicas' rows one
 * after another (row r * B + b is row b of replica r), so every row-wise kernel (attention,
 * softmax, GELU, the sampler) serves all replicas at once and only the products with a weight
 * and the lookups in a table need the replica axis. Nothing here calls tf.tidy.
 */
import * as tf from '@tensorflow/tfjs';

/**
 * x [R, n, I] @ w [R, I, O] -> [R, n, O]: replica r's rows times replica r's weights.
 * IMPORTANT: wasm's BatchMatMul runs XNNPACK only for unbatched operands; a batched product falls
 * back to a scalar loop (measured here: [8, 4000, 32] @ [8, 32, 96] 340 ms batched, 46-70 ms as
 * eight 2-D products), so on wasm it is R plain products of contiguous slices, with a gradient
 * of plain products too (explicit transposes, as model.ts's matMulPlainGrad).
 */
export function replicaMatMul(x: tf.Tensor, w: tf.Tensor): tf.Tensor {
  return tf.getBackend() === 'wasm' ? perReplicaMatMul(x, w) : tf.matMul(x as tf.Tensor3D, w as tf.Tensor3D);
}

/** Replica r's slab of a [R, ...] tensor, without the replica axis (one copy of the slab). */
function slab(t: tf.Tensor, r: number): tf.Tensor {
  const [, ...rest] = t.shape;
  if (tf.getBackend() !== 'wasm') return tf.reshape(tf.gather(t, tf.tensor1d([r], 'int32')), rest);
  registerWasmSlab();
  return tf.engine().runKernel(SLAB, { x: t }, { r }) as tf.Tensor;
}

/**
 * IMPORTANT: on wasm a slab is its own kernel, one copy out of the heap: wasm's Slice first copies
 * its whole input to the JS heap (readSync), so R slices of a [R, ...] tensor cost R^2 slabs, and its
 * GatherV2 copies element by element (measured on an R = 8 nano supervised step: 466 slabs took
 * 8.8 s as slices, 7.3 s as gathers, of a step of 11-20 s).
 */
const SLAB = 'ContextrlReplicaSlab';

function registerWasmSlab(): void {
  if (tf.getKernel(SLAB, 'wasm')) return;
  tf.registerKernel({
    kernelName: SLAB,
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const x = inputs.x as tf.TensorInfo;
      const r = (attrs as unknown as { r: number }).r;
      const b = backend as unknown as {
        makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
        typedArrayFromHeap(t: tf.TensorInfo): Float32Array | Int32Array | Uint8Array;
      };
      const rest = x.shape.slice(1);
      const size = rest.reduce((a, d) => a * d, 1);
      const out = b.makeOutput(rest, x.dtype);
      b.typedArrayFromHeap(out).set(b.typedArrayFromHeap(x).subarray(r * size, (r + 1) * size));
      return out;
    },
  });
}

const perReplicaMatMul = tf.customGrad(((x: tf.Tensor3D, w: tf.Tensor3D, save: tf.GradSaveFunc) => {
  save([x, w]);
  const R = x.shape[0];
  const each = (f: (r: number) => tf.Tensor) => tf.stack(Array.from({ length: R }, (_, r) => f(r)));
  return {
    value: each((r) => tf.matMul(slab(x, r), slab(w, r))),
    gradFunc: (dy: tf.Tensor3D, saved: tf.Tensor[]) => [
      each((r) => tf.matMul(slab(dy, r), tf.transpose(slab(saved[1], r)))),
      each((r) => tf.matMul(tf.transpose(slab(saved[0], r)), slab(dy, r))),
    ],
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (x: tf.Tensor, w: tf.Tensor) => tf.Tensor;

/**
 * Rows of each replica's table: table [R, V, D], ids [R, n] (int32) -> [R, n, D], as a gather on
 * the flattened table (ids offset by r * V). Gradient: onehot(ids)^T @ dy per replica, a product
 * like model.ts's embedRows (wasm has no UnsortedSegmentSum, the gradient of tf.gather).
 */
export function replicaRows(table: tf.Tensor, ids: tf.Tensor): tf.Tensor {
  const [R, V, D] = table.shape;
  const n = ids.shape[1] as number;
  const offsets = tf.mul(tf.range(0, R, 1, 'int32'), tf.scalar(V, 'int32'));
  const flatIds = tf.reshape(tf.add(ids, tf.reshape(offsets, [R, 1])), [-1]); // [R * n]
  const f = tf.customGrad(((t: tf.Tensor3D) => ({
    value: tf.reshape(tf.gather(tf.reshape(t, [R * V, D]), flatIds), [R, n, D]),
    gradFunc: (dy: tf.Tensor3D) => {
      // IMPORTANT: cast before any transpose: tfjs's WebGPU Transpose of a 3-D int32 tensor (oneHot's
      // dtype) fails to compile its shader and leaves the output unwritten (seen on Dawn/GLES).
      const hot = tf.cast(tf.oneHot(ids as tf.Tensor2D, V), 'float32'); // [R, n, V]
      return [
        tf.getBackend() === 'wasm'
          ? replicaMatMul(tf.transpose(hot, [0, 2, 1]), dy)
          : tf.matMul(hot, dy as tf.Tensor3D, true, false),
      ];
    },
  })) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (t: tf.Tensor) => tf.Tensor;
  return f(table);
}

/** Rows of each replica's table without a gradient (decoding): table [R, V, D], ids [R * m] -> [R * m, D]. */
export function replicaLookup(table: tf.Tensor, ids: tf.Tensor): tf.Tensor {
  const [R, V, D] = table.shape;
  const m = ids.shape[0] / R;
  const offsets = Int32Array.from({ length: R * m }, (_, i) => Math.floor(i / m) * V); // r * V on replica r's rows
  return tf.gather(tf.reshape(table, [R * V, D]), tf.add(ids, tf.tensor1d(offsets, 'int32')));
}

/** [R] values (per replica) shaped to broadcast against a [R, ...] tensor of the given rank. */
export function perReplica(values: number[] | tf.Tensor, rank: number): tf.Tensor {
  const t = Array.isArray(values) ? tf.tensor1d(values) : values;
  return tf.reshape(t, [t.shape[0], ...new Array<number>(Math.max(0, rank - 1)).fill(1)]);
}
