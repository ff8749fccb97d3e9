/**
 * A decoder-only transformer (GPT-2 layout, nanoGPT-sized) with explicit tf.Variables:
 * token + learned position embeddings (+ image patches at `<img>` positions), pre-LayerNorm
 * blocks of causal multi-head attention and a GELU MLP, a final LayerNorm, an untied head.
 * Untied because the embedding is a one-hot matmul: keeping wte and the head apart gives the
 * attribution code (gradient x input on the embedding) a clean input-side matrix.
 * Nothing here calls tf.tidy: call it inside the caller's tidy; returned tensors belong to the caller.
 */
import * as tf from '@tensorflow/tfjs';
import { fusedGelu } from './kernels/fused-gelu.ts';
import { fusedLayerNorm } from './kernels/fused-layernorm.ts';
import { fusedAttention, fusedCausalAttention } from './kernels/fused-attention.ts';
import {
  decodeAttention,
  decodeDense,
  embedTokens,
  fusedDecoding,
  rowDense as fusedRowDense,
  writeKeySlot,
  writeValueSlot,
  type RowDenseOptions,
} from './kernels/fused-decode.ts';
import type { ModelConfig } from './model-config.ts';
import { patchDim, validateModelConfig } from './model-config.ts';
import { replicaLookup, replicaMatMul, replicaRows } from './replicas.ts';

/** The model's inputs as tensors (built by batch.ts). B = batch, T = sequence, M = patch slots. */
export interface ModelInputs {
  ids: tf.Tensor2D; // token ids, int32  [B, T]
  positions: tf.Tensor2D; // position of each token after left padding, int32  [B, T]
  keyMask: tf.Tensor2D; // 1 where the token may be attended to (not left padding)  [B, T]
  /** placement[b, t, m] = 1 where position t holds patch slot m; patches [B, M, P*P*3] in 0..1. */
  images?: { placement: tf.Tensor3D; patches: tf.Tensor3D };
}

/**
 * Keys and values for cached decoding (Transformer.prefill, Transformer.decode), per layer.
 * S = Tp + slots: the attention row of a decoded token covers the prompt and every completion slot;
 * slots not filled yet (and left padding) get bias -1e9, so the row equals the full forward's.
 */
export type KVCache = {
  promptKeys: tf.Tensor4D[]; // transposed  [B, H, dh, Tp]
  promptValues: tf.Tensor4D[]; // [B, H, Tp, dh]
  promptBias: tf.Tensor4D; // 0 for prompt tokens, -1e9 for left padding  [B, 1, 1, Tp]
  keys: tf.Tensor4D[]; // completion slots, zero until filled, transposed  [B, H, dh, slots]
  values: tf.Tensor4D[]; // [B, H, slots, dh]
  nextPosition: tf.Tensor1D; // position of completion slot 0 (after each row's left padding), int32  [B]
  filled: number; // completion slots filled so far
};

/** Disposes every tensor of a cache. */
export function disposeKVCache(cache: KVCache): void {
  tf.dispose([
    ...cache.promptKeys,
    ...cache.promptValues,
    cache.promptBias,
    ...cache.keys,
    ...cache.values,
    cache.nextPosition,
  ]);
}

export interface ForwardOptions {
  /** Also return each layer's attention probabilities [B, H, T, T]. */
  collectAttention?: boolean;
}

export interface ForwardResult {
  hidden: tf.Tensor3D; // after the final LayerNorm  [B, T, D]
  attention?: tf.Tensor4D[]; // one per layer  [B, H, T, T]
}

/** Parameter names in a fixed order (checkpoints and the optimizer rely on it). */
export function parameterShapes(c: ModelConfig): [string, number[]][] {
  const D = c.dModel;
  const out: [string, number[]][] = [
    ['wte', [c.vocabSize, D]],
    ['wpe', [c.contextLength, D]],
    ['patch.w', [patchDim(c), D]],
    ['patch.b', [D]],
  ];
  for (let l = 0; l < c.nLayer; l++) {
    out.push(
      [`h${l}.ln1.g`, [D]],
      [`h${l}.ln1.b`, [D]],
      [`h${l}.attn.wqkv`, [D, 3 * D]],
      [`h${l}.attn.bqkv`, [3 * D]],
      [`h${l}.attn.wo`, [D, D]],
      [`h${l}.attn.bo`, [D]],
      [`h${l}.ln2.g`, [D]],
      [`h${l}.ln2.b`, [D]],
      [`h${l}.mlp.w1`, [D, c.dMlp]],
      [`h${l}.mlp.b1`, [c.dMlp]],
      [`h${l}.mlp.w2`, [c.dMlp, D]],
      [`h${l}.mlp.b2`, [D]],
    );
  }
  out.push(['lnf.g', [D]], ['lnf.b', [D]], ['head.w', [D, c.vocabSize]]);
  return out;
}

function initTensor(name: string, shape: number[], c: ModelConfig, seed: number): tf.Tensor {
  if (name.endsWith('.g')) return tf.ones(shape);
  if (shape.length === 1) return tf.zeros(shape); // biases, LayerNorm shifts
  // GPT-2: residual projections scaled by 1 / sqrt(2 nLayer).
  const std = name.endsWith('attn.wo') || name.endsWith('mlp.w2') ? c.initStd / Math.sqrt(2 * c.nLayer) : c.initStd;
  return tf.randomNormal(shape, 0, std, 'float32', seed);
}

/** GELU, tanh approximation (GPT-2), from elementary ops so it differentiates on every backend. */
export function gelu(x: tf.Tensor): tf.Tensor {
  if (tf.getBackend() === 'webgpu' && x.dtype === 'float32') return fusedGelu(x); // one kernel each way (fused-gelu.ts)
  const inner = tf.mul(tf.add(x, tf.mul(tf.mul(tf.mul(x, x), x), 0.044715)), Math.sqrt(2 / Math.PI));
  return tf.mul(tf.mul(x, 0.5), tf.add(tf.tanh(inner), 1));
}

/**
 * a @ b for 2-D a [M, K], b [K, N], with a gradient whose products take no transposed operand:
 * dA = dy @ transpose(b), dB = transpose(a) @ dy.
 * IMPORTANT: wasm's BatchMatMul runs XNNPACK only for untransposed, unbatched operands; the
 * transposed products of tf.matMul's own gradient fall back to a scalar loop 10-20x slower
 * (measured: [4096, 128]^T @ [4096, 512] 2.0 s, against 0.1 s with an explicit transpose).
 */
const matMulPlainGrad = tf.customGrad(((a: tf.Tensor2D, b: tf.Tensor2D, save: tf.GradSaveFunc) => {
  save([a, b]);
  return {
    value: tf.matMul(a, b),
    gradFunc: (dy: tf.Tensor2D, saved: tf.Tensor[]) => [
      tf.matMul(dy, tf.transpose(saved[1])),
      tf.matMul(tf.transpose(saved[0]), dy),
    ],
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (a: tf.Tensor, b: tf.Tensor) => tf.Tensor;

/** 2-D matMul; on wasm with the XNNPACK-friendly gradient (WebGPU and cpu transpose for free in the kernel). */
function matMul2d(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  return tf.getBackend() === 'wasm' ? matMulPlainGrad(a, b) : tf.matMul(a, b);
}

/**
 * Rows of table [R, D] at ids [n] -> [n, D]: a gather forward, and as gradient the one-hot product
 * onehot(ids)^T @ dy with the one-hot transposed explicitly, so that it is a plain matmul.
 * IMPORTANT: wasm has no UnsortedSegmentSum (the gradient of tf.gather), hence the custom gradient.
 */
function embedRows(table: tf.Tensor, ids: tf.Tensor): tf.Tensor {
  const R = table.shape[0];
  const f = tf.customGrad(((t: tf.Tensor2D) => ({
    value: tf.gather(t, ids),
    gradFunc: (dy: tf.Tensor2D) => {
      // transpose(oneHot) rather than a broadcast equal against a range: 13x faster on wasm.
      return [tf.matMul(tf.transpose(tf.oneHot(ids, R)), dy)]; // [R, n] @ [n, D]
    },
  })) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (t: tf.Tensor) => tf.Tensor;
  return f(table);
}

/** Attention heads [B, H, T, dh] -> [B, T, H * dh]. */
function mergeHeads(y: tf.Tensor): tf.Tensor {
  const [B, H, T, dh] = y.shape;
  return tf.reshape(tf.transpose(y, [0, 2, 1, 3]), [B, T, H * dh]);
}

export class Transformer {
  readonly config: ModelConfig;
  /** name -> parameter; Variables for a trainable model, plain tensors for a frozen copy. */
  readonly params: Map<string, tf.Tensor>;
  readonly trainable: boolean;
  /**
   * R for R replicas in one model (replicas.ts): every parameter [R, ...shape], and every input
   * holds R blocks of rows (row r * B + b is row b of replica r). Undefined: one model.
   */
  readonly replicas?: number;

  /** Fresh model with a seeded GPT-2 init (tf.randomNormal runs on the host: equal on every backend). */
  constructor(config: ModelConfig, seed: number, params?: Map<string, tf.Tensor>, trainable = true, replicas?: number) {
    this.config = validateModelConfig(config);
    this.trainable = trainable;
    this.replicas = replicas;
    if (params) {
      this.params = params;
      return;
    }
    this.params = new Map();
    parameterShapes(this.config).forEach(([name, shape], i) => {
      // Never seed 0: tfjs treats a falsy seed as "no seed" and draws from Math.random.
      const t = tf.tidy(() =>
        initTensor(name, shape, this.config, 1 + (Math.abs(seed * 1009 + i * 7919) % 2147483646)),
      );
      this.params.set(name, trainable ? tf.variable(t, true) : t);
      if (trainable) t.dispose();
    });
  }

  /**
   * R models as one replica model (R = models.length, R = 1 included): each parameter stacked on a
   * new leading axis. The models stay with the caller.
   */
  static stack(models: Transformer[], trainable = true): Transformer {
    if (models.length === 0) throw new Error('stack needs at least one model');
    const config = models[0].config;
    models.forEach((m, r) => {
      if (m.replicas !== undefined) throw new Error(`model ${r} is already a replica model`);
      if (JSON.stringify(m.config) !== JSON.stringify(config))
        throw new Error(`model ${r}'s config differs from model 0's: replicas need one shape`);
    });
    const params = new Map<string, tf.Tensor>();
    for (const name of models[0].params.keys()) {
      const t = tf.tidy(() => tf.stack(models.map((m) => m.p(name))));
      params.set(name, trainable ? tf.variable(t, true) : t);
      if (trainable) t.dispose();
    }
    return new Transformer(config, 0, params, trainable, models.length);
  }

  /** Replica r's parameters as a one-model map (new tensors; caller disposes). */
  replicaParams(r: number): Map<string, tf.Tensor> {
    this.replicaCount(r);
    const out = new Map<string, tf.Tensor>();
    for (const [name, t] of this.params) {
      const rest = t.shape.slice(1);
      out.set(
        name,
        tf.tidy(() => tf.reshape(tf.slice(t, [r, ...rest.map(() => 0)], [1, ...rest]), rest)),
      );
    }
    return out;
  }

  /** Overwrites replica r's parameters with a one-model map's (shapes must match). */
  setReplicaParams(r: number, params: Map<string, tf.Tensor>): void {
    const R = this.replicaCount(r);
    for (const [name, t] of this.params) {
      const src = params.get(name);
      if (!src) throw new Error(`missing parameter ${name}`);
      if (src.shape.join(',') !== t.shape.slice(1).join(','))
        throw new Error(`parameter ${name} has shape [${src.shape}], a replica wants [${t.shape.slice(1)}]`);
      const next = tf.tidy(() => {
        const parts = [];
        if (r > 0) parts.push(tf.slice(t, 0, r));
        parts.push(tf.expandDims(src, 0));
        if (r < R - 1) parts.push(tf.slice(t, r + 1, R - r - 1));
        return parts.length === 1 ? parts[0] : tf.concat(parts, 0);
      });
      if (this.trainable) {
        (t as tf.Variable).assign(next);
        next.dispose();
      } else {
        t.dispose();
        this.params.set(name, next);
      }
    }
  }

  private replicaCount(r: number): number {
    const R = this.replicas;
    if (R === undefined) throw new Error('not a replica model');
    if (!Number.isInteger(r) || r < 0 || r >= R) throw new Error(`replica ${r} out of range (R = ${R})`);
    return R;
  }

  /** The trainable variables in parameterShapes order. */
  variables(): tf.Variable[] {
    if (!this.trainable) return [];
    return [...this.params.values()] as tf.Variable[];
  }

  numParameters(): number {
    let n = 0;
    for (const p of this.params.values()) n += p.size;
    return n;
  }

  /** A frozen copy (plain tensors, no gradient): the reference policy pi_ref. Caller disposes. */
  frozenCopy(): Transformer {
    const copy = new Map<string, tf.Tensor>();
    for (const [k, v] of this.params) copy.set(k, tf.keep(tf.clone(v)));
    return new Transformer(this.config, 0, copy, false, this.replicas);
  }

  private p(name: string): tf.Tensor {
    const t = this.params.get(name);
    if (!t) throw new Error(`missing parameter ${name}`);
    return t;
  }

  /** x @ w + b over the last axis: x [..., I], w [I, O] -> [..., O]. */
  private dense(x: tf.Tensor, w: string, b?: string): tf.Tensor {
    const W = this.p(w);
    const shape = x.shape;
    const R = this.replicas;
    if (R !== undefined) {
      // Replica r's rows [n, I] times its W [I, O]; the bias [R, O] broadcast over its rows.
      let y = replicaMatMul(tf.reshape(x, [R, -1, shape[shape.length - 1]]), W); // [R, n, O]
      if (b) y = tf.add(y, tf.expandDims(this.p(b), 1));
      return tf.reshape(y, [...shape.slice(0, -1), W.shape[2] as number]);
    }
    let y = matMul2d(tf.reshape(x, [-1, shape[shape.length - 1]]), W);
    if (b) y = tf.add(y, this.p(b));
    return tf.reshape(y, [...shape.slice(0, -1), W.shape[1] as number]);
  }

  private layerNorm(x: tf.Tensor, prefix: string): tf.Tensor {
    const R = this.replicas;
    // Two kernels forward, four backward on webgpu (fused-layernorm.ts, replicas included); the same formula below.
    if (tf.getBackend() === 'webgpu' && x.dtype === 'float32')
      return fusedLayerNorm(x, this.p(`${prefix}.g`), this.p(`${prefix}.b`), this.config.layerNormEps);
    const { mean, variance } = tf.moments(x, -1, true);
    const xhat = tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, this.config.layerNormEps)));
    if (R !== undefined) {
      // Replica r's g and b [R, 1, D] over its rows [R, n, D].
      const D = x.shape[x.shape.length - 1];
      const g = tf.expandDims(this.p(`${prefix}.g`), 1);
      return tf.reshape(
        tf.add(tf.mul(tf.reshape(xhat, [R, -1, D]), g), tf.expandDims(this.p(`${prefix}.b`), 1)),
        x.shape,
      );
    }
    return tf.add(tf.mul(xhat, this.p(`${prefix}.g`)), this.p(`${prefix}.b`));
  }

  /**
   * The embedding step, exposed so attribution can take gradients w.r.t. it:
   * x0 = wte[ids] + wpe[positions] + placement @ (patches @ patch.w + patch.b)  [B, T, D]
   * (embedRows: a gather whose gradient is a one-hot matmul, since wasm cannot differentiate gather).
   */
  embed(inputs: ModelInputs): tf.Tensor3D {
    const c = this.config;
    const [B, T] = inputs.ids.shape;
    if (T > c.contextLength) throw new Error(`sequence length ${T} exceeds contextLength ${c.contextLength}`);
    const R = this.replicas;
    if (R !== undefined) {
      if (B % R !== 0) throw new Error(`a replica model's batch (${B} rows) must hold R = ${R} blocks of rows`);
      const wpeT = tf.slice(this.p('wpe'), [0, 0, 0], [R, T, c.dModel]); // [R, T, D]
      const tok = replicaRows(this.p('wte'), tf.reshape(inputs.ids, [R, -1])); // [R, (B / R) * T, D]
      const pos = replicaRows(wpeT, tf.reshape(inputs.positions, [R, -1]));
      let x = tf.reshape(tf.add(tok, pos), [B, T, c.dModel]);
      if (inputs.images) {
        const patchEmb = this.dense(inputs.images.patches, 'patch.w', 'patch.b'); // [B, M, D]
        x = tf.add(x, tf.matMul(inputs.images.placement, patchEmb)); // [B, T, D]
      }
      return x as tf.Tensor3D;
    }
    const tok = embedRows(this.p('wte'), tf.reshape(inputs.ids, [-1])); // [B*T, D]
    // Positions are < T, so the one-hot only needs T columns against wpe[0:T] (not contextLength).
    const wpeT = tf.slice(this.p('wpe'), [0, 0], [T, c.dModel]); // [T, D]
    const pos = embedRows(wpeT, tf.reshape(inputs.positions, [-1])); // [B*T, D]
    let x = tf.reshape(tf.add(tok, pos), [B, T, c.dModel]);
    if (inputs.images) {
      const patchEmb = this.dense(inputs.images.patches, 'patch.w', 'patch.b'); // [B, M, D]
      x = tf.add(x, tf.matMul(inputs.images.placement, patchEmb)); // [B, T, D]
    }
    return x as tf.Tensor3D;
  }

  /** The blocks and final LayerNorm on given input embeddings x0 [B, T, D]. */
  forwardEmbeddings(x0: tf.Tensor3D, keyMask: tf.Tensor2D, options: ForwardOptions = {}): ForwardResult {
    return this.blocks(x0, keyMask, options);
  }

  /** forwardEmbeddings; kv, when given, receives each layer's keys and values [B, H, T, dh] (prefill). */
  private blocks(
    x0: tf.Tensor3D,
    keyMask: tf.Tensor2D,
    options: ForwardOptions,
    kv?: { k: tf.Tensor[]; v: tf.Tensor[] },
  ): ForwardResult {
    const [B, T, D] = x0.shape;
    const dh = D / this.config.nHead;
    // Additive attention bias [B, 1, T, T]: 0 where query t may see key s (s <= t, s not padding), else -1e9.
    // A large finite value, not -inf: a padding query with no visible key gets a uniform row, not NaN.
    const fused = !kv && !options.collectAttention && fusedAttention();
    const bias = fused
      ? undefined
      : tf.mul(tf.sub(tf.mul(tf.linalg.bandPart(tf.ones([T, T]), -1, 0), tf.reshape(keyMask, [B, 1, 1, T])), 1), 1e9); // [B, 1, T, T]
    const attention: tf.Tensor4D[] = [];
    let x: tf.Tensor = x0;
    for (let l = 0; l < this.config.nLayer; l++) {
      if (fused) {
        // Opt-in: four kernels forward and backward instead of about 27 (fused-attention.ts).
        x = this.finishBlock(x, fusedCausalAttention(this.qkv(x, l), keyMask, this.config.nHead), l);
        continue;
      }
      const [q, k, v] = this.queriesKeysValues(x, l); // [B, H, T, dh]
      kv?.k.push(k);
      kv?.v.push(v);
      const scores = tf.add(tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(dh)), bias as tf.Tensor); // [B, H, T, T]
      const att = tf.softmax(scores, -1) as tf.Tensor4D;
      if (options.collectAttention) attention.push(att);
      x = this.finishBlock(x, mergeHeads(tf.matMul(att, v)), l);
    }
    const hidden = this.layerNorm(x, 'lnf') as tf.Tensor3D;
    return options.collectAttention ? { hidden, attention } : { hidden };
  }

  /** LayerNorm 1 and the fused QKV projection of block l: [B, T, D] -> [B, T, 3D]. */
  private qkv(x: tf.Tensor, l: number): tf.Tensor {
    return this.dense(this.layerNorm(x, `h${l}.ln1`), `h${l}.attn.wqkv`, `h${l}.attn.bqkv`);
  }

  /** LayerNorm 1 and the fused QKV projection of block l, split into heads: 3 x [B, H, T, dh]. */
  private queriesKeysValues(x: tf.Tensor, l: number): tf.Tensor[] {
    const [B, T, D] = x.shape;
    const H = this.config.nHead;
    const qkv = this.qkv(x, l); // [B, T, 3D]
    return tf.split(qkv, 3, -1).map((t) => tf.transpose(tf.reshape(t, [B, T, H, D / H]), [0, 2, 1, 3]));
  }

  /** The rest of block l: the merged attention heads [B, T, D] projected and added to x [B, T, D], then the MLP. */
  private finishBlock(x: tf.Tensor, merged: tf.Tensor, l: number): tf.Tensor {
    const h = tf.add(x, this.dense(merged, `h${l}.attn.wo`, `h${l}.attn.bo`));
    const m = gelu(this.dense(this.layerNorm(h, `h${l}.ln2`), `h${l}.mlp.w1`, `h${l}.mlp.b1`)); // [B, T, dMlp]
    return tf.add(h, this.dense(m, `h${l}.mlp.w2`, `h${l}.mlp.b2`));
  }

  forward(inputs: ModelInputs, options: ForwardOptions = {}): ForwardResult {
    return this.forwardEmbeddings(this.embed(inputs), inputs.keyMask, options);
  }

  /** The head on hidden states: [B, T', D] -> logits [B, T', V]. */
  logits(hidden: tf.Tensor3D): tf.Tensor3D {
    return this.dense(hidden, 'head.w') as tf.Tensor3D;
  }

  /**
   * Next-token logits for positions start .. start + len - 1 only (the head runs on that slice):
   * logits[:, i] predicts the token at start + i + 1.  -> [B, len, V]
   */
  logitsAt(inputs: ModelInputs, start: number, len: number): tf.Tensor3D {
    const { hidden } = this.forward(inputs);
    const [B, , D] = hidden.shape;
    return this.logits(tf.slice(hidden, [0, start, 0], [B, len, D]));
  }

  /**
   * The prompt forward of cached decoding: forward(inputs) that also returns each layer's keys and
   * values, plus empty slots for `slots` more tokens (decode fills one per call).
   * inputs: prompts only, left-padded, [B, Tp] (images allowed).  Caller disposes (disposeKVCache).
   */
  prefill(inputs: ModelInputs, slots: number): { hidden: tf.Tensor3D; cache: KVCache } {
    const [B, Tp] = inputs.ids.shape;
    const H = this.config.nHead;
    const dh = this.config.dModel / H;
    if (Tp + slots > this.config.contextLength)
      throw new Error(
        `prompt (${Tp} tokens) + completion (${slots}) exceeds contextLength ${this.config.contextLength}`,
      );
    const kv = { k: [] as tf.Tensor[], v: [] as tf.Tensor[] };
    const { hidden } = this.blocks(this.embed(inputs), inputs.keyMask, {}, kv);
    const cache: KVCache = {
      promptKeys: kv.k.map((k) => tf.transpose(k, [0, 1, 3, 2]) as tf.Tensor4D),
      promptValues: kv.v as tf.Tensor4D[],
      promptBias: tf.reshape(tf.mul(tf.sub(inputs.keyMask, 1), 1e9), [B, 1, 1, Tp]),
      keys: kv.k.map(() => tf.zeros([B, H, dh, slots])),
      values: kv.v.map(() => tf.zeros([B, H, slots, dh])),
      nextPosition: tf.reshape(tf.add(tf.slice(inputs.positions, [0, Tp - 1], [B, 1]), tf.scalar(1, 'int32')), [B]),
      filled: 0,
    };
    return { hidden, cache };
  }

  /**
   * One cached decoding step: the tokens ids [B] (int32) enter at the next completion slot and
   * attend to the prompt and the slots filled before. Returns their hidden state after the final
   * LayerNorm [B, D] (= forward's at that position) and the cache with the slot filled: a new
   * object sharing the prompt tensors with `cache`, whose keys and values replace cache's
   * (dispose cache.keys and cache.values once it is no longer needed).
   */
  decode(ids: tf.Tensor1D, cache: KVCache): { hidden: tf.Tensor2D; cache: KVCache } {
    const c = this.config;
    const B = ids.shape[0];
    const slots = cache.values[0].shape[2];
    const dh = c.dModel / c.nHead;
    const j = cache.filled;
    if (j >= slots) throw new Error(`the KV cache is full (${slots} completion slots)`);
    if (this.replicas === undefined && fusedDecoding()) {
      // Fused kernels (fused-decode.ts): about 7 per layer instead of 34 on a GPU. LayerNorms,
      // biases, GELU and residuals ride in the dense kernels; the slot writes and the whole
      // attention read the QKV projection directly.
      const ln = (p: string) => ({ g: this.p(`${p}.g`), b: this.p(`${p}.b`), eps: c.layerNormEps });
      // On a CPU-emulated adapter the projections stay blocked matMuls (cpu-kernels.ts) with the
      // fused LayerNorm and GELU: one invocation per output element loses there (decodeDense).
      const rowDense =
        decodeDense() === 'composed'
          ? (x: tf.Tensor, w: tf.Tensor, o: RowDenseOptions) => {
              let y = tf.matMul(o.ln ? fusedLayerNorm(x, o.ln.g, o.ln.b, o.ln.eps) : x, w);
              if (o.bias) y = tf.add(y, o.bias);
              if (o.gelu) y = gelu(y);
              return o.residual ? tf.add(y, o.residual) : y;
            }
          : fusedRowDense;
      let h = embedTokens(this.p('wte'), this.p('wpe'), ids, cache.nextPosition, j); // [B, D]
      const keys: tf.Tensor4D[] = [];
      const values: tf.Tensor4D[] = [];
      for (let l = 0; l < c.nLayer; l++) {
        const qkv = rowDense(h, this.p(`h${l}.attn.wqkv`), { ln: ln(`h${l}.ln1`), bias: this.p(`h${l}.attn.bqkv`) }); // [B, 3D]
        keys.push(writeKeySlot(cache.keys[l], qkv, j) as tf.Tensor4D);
        values.push(writeValueSlot(cache.values[l], qkv, j) as tf.Tensor4D);
        const y = decodeAttention(
          qkv,
          cache.promptKeys[l],
          cache.promptValues[l],
          cache.promptBias,
          keys[l],
          values[l],
          j,
        ); // [B, D]
        const a = rowDense(y, this.p(`h${l}.attn.wo`), { bias: this.p(`h${l}.attn.bo`), residual: h });
        const m = rowDense(a, this.p(`h${l}.mlp.w1`), {
          ln: ln(`h${l}.ln2`),
          bias: this.p(`h${l}.mlp.b1`),
          gelu: true,
        });
        h = rowDense(m, this.p(`h${l}.mlp.w2`), { bias: this.p(`h${l}.mlp.b2`), residual: a });
      }
      const hidden = this.layerNorm(h, 'lnf') as tf.Tensor2D;
      return { hidden, cache: { ...cache, keys, values, filled: j + 1 } };
    }
    // Same values as embed(): wte[id] + wpe[position]; only text tokens are generated.
    const positions = tf.add(cache.nextPosition, tf.scalar(j, 'int32')); // [B]
    const rows = (name: string, at: tf.Tensor) =>
      this.replicas === undefined ? tf.gather(this.p(name), at) : replicaLookup(this.p(name), at);
    let x: tf.Tensor = tf.reshape(tf.add(rows('wte', ids), rows('wpe', positions)), [B, 1, c.dModel]);
    // Host-built slot one-hot and completion-slot bias: values, not shapes, change per step.
    const hot = new Float32Array(slots);
    hot[j] = 1;
    const slotBias = new Float32Array(B * slots);
    for (let i = 0; i < slotBias.length; i++) slotBias[i] = i % slots <= j ? 0 : -1e9;
    const bias = tf.concat([cache.promptBias, tf.tensor4d(slotBias, [B, 1, 1, slots])], -1); // [B, 1, 1, Tp + slots]
    const Tp = cache.promptBias.shape[3];
    const hotKey = tf.tensor4d(hot, [1, 1, 1, slots]);
    const hotValue = tf.reshape(hotKey, [1, 1, slots, 1]);
    const keys: tf.Tensor4D[] = [];
    const values: tf.Tensor4D[] = [];
    for (let l = 0; l < c.nLayer; l++) {
      const [q, k, v] = this.queriesKeysValues(x, l); // [B, H, 1, dh]
      // Write slot j: the slot holds zeros until now, so adding the one-hot-placed key is exact.
      keys.push(tf.add(cache.keys[l], tf.mul(tf.reshape(k, [B, c.nHead, dh, 1]), hotKey)));
      values.push(tf.add(cache.values[l], tf.mul(v, hotValue)));
      // Keys are stored transposed so that q @ K takes no transposed operand (on wasm 4x faster, measured).
      const scores = tf.concat([tf.matMul(q, cache.promptKeys[l]), tf.matMul(q, keys[l])], -1); // [B, H, 1, Tp + slots]
      const att = tf.softmax(tf.add(tf.mul(scores, 1 / Math.sqrt(dh)), bias), -1);
      const [attPrompt, attSlots] = tf.split(att, [Tp, slots], -1);
      x = this.finishBlock(
        x,
        mergeHeads(tf.add(tf.matMul(attPrompt, cache.promptValues[l]), tf.matMul(attSlots, values[l]))),
        l,
      );
    }
    const hidden = tf.reshape(this.layerNorm(x, 'lnf'), [B, c.dModel]) as tf.Tensor2D;
    return { hidden, cache: { ...cache, keys, values, filled: j + 1 } };
  }

  dispose(): void {
    for (const t of this.params.values()) t.dispose();
    this.params.clear();
  }
}
