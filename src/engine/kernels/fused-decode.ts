/**
 * Fused WebGPU kernels for sampling (Transformer.decode and generate's token choice), where the
 * work per kernel is tiny and the time goes into dispatching: on an NVIDIA H200 a micro decode
 * step ran about 220 kernels at ~0.1 ms of host time each, the GPU's own time a tenth of that
 * (bench/README.md). No gradients: sampling runs outside the graph (the update recomputes log-probs).
 *
 * - writeKeySlot / writeValueSlot: the layer's cache with completion slot j set from the fused QKV
 *   projection [B, 3D] (split into heads by index arithmetic, no split or transpose kernels).
 * - decodeAttention: one invocation per (row, head) runs the whole attention of the new position
 *   over the prompt's keys and the filled slots (online softmax) and writes the merged heads [B, D].
 *   Slots after j are skipped: the reference masks them with -1e9, whose weight is exactly 0 in f32.
 * - sampleStep: one invocation per row: temperature, log-softmax, Gumbel-max choice, the chosen
 *   token's log-prob, and the alive / finished bookkeeping of generate(), as a [4, N] tensor
 *   (token, logp * alive, alive, finished); tokenOf reads the token row as int32 for the next step.
 * - rowDense: x [R, I] @ w [I, O] + bias with, in the same kernel, an optional LayerNorm of each
 *   input row before it, GELU after it and a residual added; one invocation per output element
 *   (the row statistics are recomputed by each: I reads, nothing next to the product).
 * - embedTokens: wte[id] + wpe[position] in one kernel.
 * The same math as the composed ops (model.ts decode, sample.ts); test/engine/kv-cache.test.ts
 * checks logits and sampled tokens against them and against the full forward.
 */
import * as tf from '@tensorflow/tfjs';
import { cpuKernelsInstalled } from './cpu-kernels.ts';
import { switchedOff, switchedOn } from '../env.ts';
import { TANH } from './fused-gelu.ts';
import { flatProgram, runFlat } from './webgpu-program.ts';

let mode: 'auto' | boolean = 'auto';
let denseMode: 'auto' | 'fused' | 'composed' = 'auto';

/** Use these kernels (true), the composed ops (false), or 'auto' (the default): on every webgpu adapter. */
export function setFusedDecoding(m: 'auto' | boolean): void {
  mode = m;
}

/** Whether decode and the token choice use these kernels now (A/B runs: CONTEXTRL_FUSED_DECODE=0 turns them off, =1 on). */
export function fusedDecoding(): boolean {
  return fusionEnabled('CONTEXTRL_FUSED_DECODE', mode === 'auto' ? true : mode);
}

/**
 * The projections of the fused decode: rowDense ('fused') or a blocked matMul with the fused
 * LayerNorm and GELU around it ('composed'). 'auto': fused on a GPU, composed on a CPU-emulated
 * adapter, where one invocation per output element loses to cpu-kernels.ts's blocked matMul
 * (llvmpipe, micro sampling at batch 8: all fused 1074-1083 ms, the composed decode 767-878 ms,
 * fused with composed projections 464-617 ms). Tests set it to run both.
 */
export function setDecodeDense(m: 'auto' | 'fused' | 'composed'): void {
  denseMode = m;
}

export function decodeDense(): 'fused' | 'composed' {
  return denseMode === 'auto' ? (cpuKernelsInstalled() ? 'composed' : 'fused') : denseMode;
}

/**
 * The rule of the GPU-only fusions (here and fused-attention.ts): webgpu active; the environment
 * variable `envName` =0 / =1 wins; then the mode: 'auto' = not on a CPU-emulated adapter.
 */
export function fusionEnabled(envName: string, m: 'auto' | boolean): boolean {
  if (tf.getBackend() !== 'webgpu' || switchedOff(envName)) return false;
  if (switchedOn(envName)) return true;
  return m === 'auto' ? !cpuKernelsInstalled() : m;
}

/**
 * A layer's cache with completion slot j set from qkv [B, 3D]: keys [B, H, dh, S] (transposed) take
 * the key part, values [B, H, S, dh] the value part; one invocation per cache element.
 */
function writeSlot(cache: tf.Tensor, qkv: tf.Tensor, j: number, part: 'key' | 'value'): tf.Tensor {
  const key = part === 'key';
  const [B, H, a, c] = cache.shape; // keys: a = dh, c = S; values: a = S, c = dh
  const dh = key ? a : c;
  const D = H * dh;
  // The innermost axis is s for keys and d for values.
  const [inner, outer] = key ? ['s', 'd'] : ['d', 's'];
  return runFlat(
    flatProgram(
      `kvslot_${part}_${B}_${H}_${a}_${c}`,
      ['C', 'QKV'],
      cache.shape,
      cache.size,
      `
        let ${inner} = i % ${c};
        let r = i / ${c};
        let ${outer} = r % ${a};
        let bh = r / ${a};
        let b = bh / ${H};
        let h = bh % ${H};
        if (s == i32(uniforms.j)) { result[i] = f32(QKV[b * ${3 * D} + ${key ? D : 2 * D} + h * ${dh} + d]); } else { result[i] = f32(C[i]); }`,
      { uniforms: 'j : f32,' },
    ),
    [cache, qkv],
    'float32',
    [j],
  );
}

/** keys [B, H, dh, S] (transposed cache) with slot j = the key part of qkv [B, 3D]. */
export const writeKeySlot = (keys: tf.Tensor, qkv: tf.Tensor, j: number): tf.Tensor => writeSlot(keys, qkv, j, 'key');

/** values [B, H, S, dh] with slot j = the value part of qkv [B, 3D]. */
export const writeValueSlot = (values: tf.Tensor, qkv: tf.Tensor, j: number): tf.Tensor =>
  writeSlot(values, qkv, j, 'value');

/**
 * Attention of one new position per row: queries from qkv [B, 3D]; the prompt's keys [B, H, dh, Tp]
 * (transposed) and values [B, H, Tp, dh] with their bias [B, 1, 1, Tp]; the slots' keys
 * [B, H, dh, S] and values [B, H, S, dh], of which 0..j are filled.  -> merged heads [B, D]
 */
export function decodeAttention(
  qkv: tf.Tensor,
  promptKeys: tf.Tensor,
  promptValues: tf.Tensor,
  promptBias: tf.Tensor,
  keys: tf.Tensor,
  values: tf.Tensor,
  j: number,
): tf.Tensor {
  const [B, H, dh, Tp] = promptKeys.shape;
  const S = keys.shape[3];
  const D = H * dh;
  const scale = 1 / Math.sqrt(dh);
  // One online-softmax update with score sc and value row vOff of array VA.
  const update = (VA: string, vOff: string) => `
          let mNew = max(m, sc);
          let corr = exp(m - mNew);
          let w = exp(sc - mNew);
          l = l * corr + w;
          for (var d = 0; d < ${dh}; d++) { acc[d] = acc[d] * corr + w * f32(${VA}[${vOff} + d]); }
          m = mNew;`;
  return runFlat(
    flatProgram(
      `decode_attn_${B}_${H}_${dh}_${Tp}_${S}`,
      ['QKV', 'PK', 'PV', 'PB', 'K', 'V'],
      [B, D],
      B * H,
      `
        let b = i / ${H};
        let h = i % ${H};
        let bh = b * ${H} + h;
        var q : array<f32, ${dh}>;
        var acc : array<f32, ${dh}>;
        for (var d = 0; d < ${dh}; d++) { q[d] = f32(QKV[b * ${3 * D} + h * ${dh} + d]); acc[d] = 0.0; }
        var m = -3.0e38;
        var l = 0.0;
        for (var t = 0; t < ${Tp}; t++) {
          var dot = 0.0;
          for (var d = 0; d < ${dh}; d++) { dot += q[d] * f32(PK[(bh * ${dh} + d) * ${Tp} + t]); }
          let sc = dot * ${scale} + f32(PB[b * ${Tp} + t]);${update('PV', `(bh * ${Tp} + t) * ${dh}`)}
        }
        let j = i32(uniforms.j);
        for (var t = 0; t <= j; t++) {
          var dot = 0.0;
          for (var d = 0; d < ${dh}; d++) { dot += q[d] * f32(K[(bh * ${dh} + d) * ${S} + t]); }
          let sc = dot * ${scale};${update('V', `(bh * ${S} + t) * ${dh}`)}
        }
        for (var d = 0; d < ${dh}; d++) { result[b * ${D} + h * ${dh} + d] = acc[d] / l; }`,
      { uniforms: 'j : f32,' },
    ),
    [qkv, promptKeys, promptValues, promptBias, keys, values],
    'float32',
    [j],
  );
}

/**
 * One sampling step of generate() for logits [N, V]: scaled = logits / temperature (temperature 0:
 * greedy on the raw logits), choice = argmax(scaled + noise) (first index on ties), logp =
 * log_softmax(scaled)[choice]; rows already finished (prev row 3) emit token 0 with alive 0.
 * prev: the previous step's [4, N] (zeros at the first step).  -> [4, N]: token, logp * alive, alive, finished
 */
export function sampleStep(
  logits: tf.Tensor,
  noise: tf.Tensor | undefined,
  prev: tf.Tensor,
  temperature: number,
  eos: number,
): tf.Tensor {
  const [N, V] = logits.shape;
  const inputs = noise ? [logits, prev, noise] : [logits, prev];
  const scaled = temperature > 0 ? 'f32(L[off + v]) / uniforms.temp' : 'f32(L[off + v])';
  return runFlat(
    flatProgram(
      `sample_step_${N}_${V}_${noise ? 'gumbel' : 'greedy'}_${temperature > 0}`,
      noise ? ['L', 'P', 'G'] : ['L', 'P'],
      [4, N],
      N,
      `
        let off = i * ${V};
        var mx = -3.0e38;
        var best = -3.0e38;
        var choice = 0;
        for (var v = 0; v < ${V}; v++) {
          let sc = ${scaled};
          mx = max(mx, sc);
          let c = sc${noise ? ' + f32(G[off + v])' : ''};
          if (c > best) { best = c; choice = v; }
        }
        var s = 0.0;
        for (var v = 0; v < ${V}; v++) { s += exp(${scaled} - mx); }
        let v = choice;
        let lp = (${scaled} - mx) - log(s);
        let alive = 1.0 - f32(P[3 * ${N} + i]);
        let picked = select(0.0, f32(choice), alive > 0.0);
        result[i] = picked;
        result[${N} + i] = lp * alive;
        result[${2 * N} + i] = alive;
        result[${3 * N} + i] = max(f32(P[3 * ${N} + i]), select(0.0, alive, picked == ${eos}.0));`,
      { uniforms: 'temp : f32,' },
    ),
    inputs,
    'float32',
    [temperature],
  );
}

/** Row 0 of sampleStep's [4, N] as int32 token ids [N]. */
export function tokenOf(step: tf.Tensor): tf.Tensor1D {
  const N = step.shape[1] as number;
  return runFlat(
    flatProgram(`sample_token_${N}`, ['S'], [N], N, 'result[i] = i32(f32(S[i]));'),
    [step],
    'int32',
  ) as tf.Tensor1D;
}

export interface RowDenseOptions {
  /** LayerNorm each input row first: xhat g + b (as fused-layernorm.ts). */
  ln?: { g: tf.Tensor; b: tf.Tensor; eps: number };
  bias?: tf.Tensor;
  gelu?: boolean;
  /** Added last: [R, O]. */
  residual?: tf.Tensor;
}

/** [R, O] = residual + gelu?(ln?(x) @ w + bias) for x [R, I], w [I, O]. */
export function rowDense(x: tf.Tensor, w: tf.Tensor, o: RowDenseOptions = {}): tf.Tensor {
  const [R, I] = x.shape;
  const O = w.shape[1] as number;
  const names = ['X', 'W'];
  const ts = [x, w];
  const add = (name: string, t: tf.Tensor) => {
    names.push(name);
    ts.push(t);
  };
  if (o.ln) {
    add('LG', o.ln.g);
    add('LB', o.ln.b);
  }
  if (o.bias) add('BIAS', o.bias);
  if (o.residual) add('RES', o.residual);
  const C = Math.sqrt(2 / Math.PI);
  const key = `row_dense_${R}_${I}_${O}_${o.ln ? o.ln.eps : 'x'}_${o.bias ? 'b' : ''}${o.gelu ? 'g' : ''}${o.residual ? 'r' : ''}`;
  return runFlat(
    flatProgram(
      key,
      names,
      [R, O],
      R * O,
      `
        let r = i / ${O};
        let c = i % ${O};
        let base = r * ${I};
        ${
          o.ln
            ? `var s = 0.0;
        for (var k = 0; k < ${I}; k++) { s += f32(X[base + k]); }
        let mu = s / ${I}.0;
        var v = 0.0;
        for (var k = 0; k < ${I}; k++) { let d = f32(X[base + k]) - mu; v += d * d; }
        let rs = 1.0 / sqrt(v / ${I}.0 + ${o.ln.eps});`
            : ''
        }
        var acc = 0.0;
        for (var k = 0; k < ${I}; k++) {
          let xv = ${o.ln ? '(f32(X[base + k]) - mu) * rs * f32(LG[k]) + f32(LB[k])' : 'f32(X[base + k])'};
          acc += xv * f32(W[k * ${O} + c]);
        }
        ${o.bias ? 'acc += f32(BIAS[c]);' : ''}
        ${o.gelu ? `acc = 0.5 * acc * (1.0 + tanhSafe(${C} * (acc + 0.044715 * acc * acc * acc)));` : ''}
        ${o.residual ? 'acc += f32(RES[i]);' : ''}
        result[i] = acc;`,
      { prelude: o.gelu ? TANH : '' },
    ),
    ts,
  );
}

/** wte[ids] + wpe[positions + j] for ids and positions [B] (int32).  -> [B, D] */
export function embedTokens(
  wte: tf.Tensor,
  wpe: tf.Tensor,
  ids: tf.Tensor,
  positions: tf.Tensor,
  j: number,
): tf.Tensor {
  const B = ids.shape[0] as number;
  const D = wte.shape[1] as number;
  return runFlat(
    flatProgram(
      `embed_tokens_${B}_${D}`,
      ['WTE', 'WPE', 'IDS', 'POS'],
      [B, D],
      B * D,
      `
        let b = i / ${D};
        let d = i % ${D};
        let id = i32(IDS[b]);
        let p = i32(POS[b]) + i32(uniforms.j);
        result[i] = f32(WTE[id * ${D} + d]) + f32(WPE[p * ${D} + d]);`,
      { uniforms: 'j : f32,' },
    ),
    [wte, wpe, ids, positions],
    'float32',
    [j],
  );
}
