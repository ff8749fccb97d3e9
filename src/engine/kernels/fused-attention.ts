/**
 * Causal multi-head attention for training on a GPU as four WebGPU kernels (two forward, two
 * backward) instead of about 27 per layer (split, head transposes, two products, scale, bias,
 * softmax and their gradients). Off by default (measured slower on a real GPU: setFusedAttention).
 *
 * Input: the fused QKV projection [B, T, 3D] and the key mask [B, T]; output: the merged heads
 * [B, T, D], as model.ts's composed path (scores = q k^T / sqrt(dh) + bias, bias -1e9 where the key
 * is later than the query or padding, softmax over keys, weighted values). Every loop runs over all
 * T keys, as the composed ops do: a padding query that sees no key gets a uniform row over all of them.
 * Forward: P = softmax(scores) [B, H, T, T] (one invocation per row), y = P v.
 * Backward: dS = P (dP - rowsum(P dP)) with dP = dy v^T and rowsum(P dP) = dy . y per row and head;
 * then one kernel writes d[q | k | v] = [dS k / sqrt(dh) | dS^T q / sqrt(dh) | P^T dy].
 * Checked against cpu (values and every parameter's gradient) in test/engine/fused-kernels.test.ts.
 */
import * as tf from '@tensorflow/tfjs';
import { fusionEnabled } from './fused-decode.ts';
import { flatProgram, runFlat } from './webgpu-program.ts';

let mode: 'auto' | boolean = 'auto';

/**
 * true / false forces the fused attention on or off; 'auto' (the default) leaves it off: on an
 * NVIDIA H200 it was slower than tfjs's tiled kernels (micro sft 61-67 vs 52 ms, L_CA 56-65 vs 46,
 * bench/results/h200-run4-*.json), one invocation per output element reading strided rows of qkv
 * and P. Opt in with CONTEXTRL_FUSED_ATTENTION=1 (Node) or setFusedAttention(true); tests force it on.
 */
export function setFusedAttention(m: 'auto' | boolean): void {
  mode = m;
}

/** Whether training-time attention uses these kernels now (A/B: CONTEXTRL_FUSED_ATTENTION=0 / =1). */
export function fusedAttention(): boolean {
  return fusionEnabled('CONTEXTRL_FUSED_ATTENTION', mode === 'auto' ? false : mode);
}

/** Row (b, h, t)'s allowed-key test: key s not after t and not padding. */
const allowed = (T: number) => `(s <= t && f32(MASK[b * ${T} + s]) > 0.5)`;

/** qkv [B, T, 3D], keyMask [B, T] (1 = real token) -> merged heads [B, T, D]. */
export function fusedCausalAttention(qkv: tf.Tensor, keyMask: tf.Tensor, nHead: number): tf.Tensor {
  const [B, T, D3] = qkv.shape;
  const D = D3 / 3;
  const H = nHead;
  const dh = D / H;
  const scale = 1 / Math.sqrt(dh);
  // Element offsets into qkv of row (b, t): q at + h * dh, k at + D + h * dh, v at + 2D + h * dh.
  const row = (bt: string) => `((${bt}) * ${D3})`;
  const key = `${B}_${T}_${H}_${dh}`;

  const probs = (x: tf.Tensor) =>
    runFlat(
      flatProgram(
        `attn_p_${key}`,
        ['QKV', 'MASK'],
        [B, H, T, T],
        B * H * T,
        `
        let t = i % ${T};
        let bh = i / ${T};
        let h = bh % ${H};
        let b = bh / ${H};
        let qo = ${row(`b * ${T} + t`)} + h * ${dh};
        var mx = -3.0e38;
        for (var s = 0; s < ${T}; s++) {
          let ko = ${row(`b * ${T} + s`)} + ${D} + h * ${dh};
          var dot = 0.0;
          for (var d = 0; d < ${dh}; d++) { dot += f32(QKV[qo + d]) * f32(QKV[ko + d]); }
          let sc = dot * ${scale} + select(-1.0e9, 0.0, ${allowed(T)});
          result[i * ${T} + s] = sc;
          mx = max(mx, sc);
        }
        var sum = 0.0;
        for (var s = 0; s < ${T}; s++) { let e = exp(result[i * ${T} + s] - mx); result[i * ${T} + s] = e; sum += e; }
        for (var s = 0; s < ${T}; s++) { result[i * ${T} + s] = result[i * ${T} + s] / sum; }`,
      ),
      [x, keyMask],
    );

  const weighted = (p: tf.Tensor, x: tf.Tensor) =>
    runFlat(
      flatProgram(
        `attn_y_${key}`,
        ['P', 'QKV'],
        [B, T, D],
        B * T * D,
        `
        let c = i % ${D};
        let bt = i / ${D};
        let t = bt % ${T};
        let b = bt / ${T};
        let h = c / ${dh};
        let pRow = ((b * ${H} + h) * ${T} + t) * ${T};
        var acc = 0.0;
        for (var s = 0; s < ${T}; s++) { acc += f32(P[pRow + s]) * f32(QKV[${row(`b * ${T} + s`)} + ${2 * D} + c]); }
        result[i] = acc;`,
      ),
      [p, x],
    );

  const f = tf.customGrad(((x: tf.Tensor, save: tf.GradSaveFunc) => {
    const p = probs(x);
    const y = weighted(p, x);
    save([x, p, y]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sx, sp, sy] = saved;
        // dS[b, h, t, s] = P (dy_t . v_s - dy_t . y_t) over head h's columns.
        const dS = runFlat(
          flatProgram(
            `attn_ds_${key}`,
            ['P', 'QKV', 'DY', 'Y'],
            [B, H, T, T],
            B * H * T * T,
            `
        let s = i % ${T};
        let r = i / ${T};
        let t = r % ${T};
        let bh = r / ${T};
        let h = bh % ${H};
        let b = bh / ${H};
        let p = f32(P[i]);
        if (p == 0.0) { result[i] = 0.0; return; }
        let yo = (b * ${T} + t) * ${D} + h * ${dh};
        let vo = ${row(`b * ${T} + s`)} + ${2 * D} + h * ${dh};
        var dp = 0.0;
        var dd = 0.0;
        for (var d = 0; d < ${dh}; d++) {
          let g = f32(DY[yo + d]);
          dp += g * f32(QKV[vo + d]);
          dd += g * f32(Y[yo + d]);
        }
        result[i] = p * (dp - dd);`,
          ),
          [sp, sx, dy, sy],
        );
        // d[q | k | v] at [b, t, part * D + c]; c = h * dh + d.
        const dqkv = runFlat(
          flatProgram(
            `attn_dqkv_${key}`,
            ['DS', 'P', 'QKV', 'DY'],
            [B, T, D3],
            B * T * D3,
            `
        let cc = i % ${D3};
        let bt = i / ${D3};
        let t = bt % ${T};
        let b = bt / ${T};
        let part = cc / ${D};
        let c = cc % ${D};
        let h = c / ${dh};
        let base = (b * ${H} + h) * ${T};
        var acc = 0.0;
        if (part == 0) {
          // dq_t = sum_s dS[t, s] k_s / sqrt(dh)
          for (var s = 0; s < ${T}; s++) { acc += f32(DS[(base + t) * ${T} + s]) * f32(QKV[${row(`b * ${T} + s`)} + ${D} + c]); }
          acc = acc * ${scale};
        } else if (part == 1) {
          // dk_t = sum_q dS[q, t] q_q / sqrt(dh) (t as the key)
          for (var q = 0; q < ${T}; q++) { acc += f32(DS[(base + q) * ${T} + t]) * f32(QKV[${row(`b * ${T} + q`)} + c]); }
          acc = acc * ${scale};
        } else {
          // dv_t = sum_q P[q, t] dy_q (t as the key)
          for (var q = 0; q < ${T}; q++) { acc += f32(P[(base + q) * ${T} + t]) * f32(DY[(b * ${T} + q) * ${D} + c]); }
        }
        result[i] = acc;`,
          ),
          [dS, sp, sx, dy],
        );
        dS.dispose();
        return [dqkv];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (x: tf.Tensor) => tf.Tensor;
  return f(qkv);
}
