/**
 * LayerNorm over the last axis on the webgpu backend in two kernels forward and four backward,
 * instead of about ten elementwise ops and reductions forward and twenty in their gradient.
 * Same formula as model.ts: xhat = (x - mean) / sqrt(var + eps) (biased variance, as tf.moments),
 * y = xhat g + b. Backward, per row of D: dx = rstd (dy g - mean(dy g) - xhat mean(dy g xhat));
 * dg = sum over rows of dy xhat, db = sum over rows of dy.
 * Per-row statistics come from one invocation per row; everything else is one invocation per
 * output element or column, so neighbouring invocations read neighbouring memory.
 */
import * as tf from '@tensorflow/tfjs';
import { flatProgram, runFlat } from './webgpu-program.ts';

// Size-free: the row count and the invocations are uniforms, so a new batch or sequence length
// reuses the compiled pipelines (only D and eps are in the shader).
const run = (key: string, inputs: string[], shape: number[], n: number, body: string, ts: tf.Tensor[], rows?: number) =>
  runFlat(
    flatProgram(`ln_${key}`, inputs, shape, n, body, {
      sizeFree: true,
      ...(rows !== undefined ? { intUniforms: 'rows : i32,' } : {}),
    }),
    ts,
    'float32',
    [],
    rows !== undefined ? [rows] : [],
  );

/** [rows, 2]: mean and 1 / sqrt(var + eps) of each row of x [rows * D]. */
function rowStats(x: tf.Tensor, rows: number, D: number, eps: number): tf.Tensor {
  return run(
    `stats_${D}_${eps}`,
    ['X'],
    [rows, 2],
    rows,
    `
        let base = i * ${D};
        var s = 0.0;
        for (var j = 0; j < ${D}; j++) { s += X[base + j]; }
        let mu = s / ${D}.0;
        var v = 0.0;
        for (var j = 0; j < ${D}; j++) { let d = X[base + j] - mu; v += d * d; }
        result[2 * i] = mu;
        result[2 * i + 1] = 1.0 / sqrt(v / ${D}.0 + ${eps});`,
    [x],
  );
}

const XHAT = (D: number) => `let r = i / ${D}; let j = i % ${D}; let xhat = (X[i] - ST[2 * r]) * ST[2 * r + 1];`;

/**
 * y = xhat g + b for x [..., D], g and b [D]; or, for R replicas (replicas.ts), g and b [R, D] with
 * x's rows in R blocks, replica q's rows scaled by g[q] (`gj` below: the g and b index of element i).
 */
export function fusedLayerNorm(x: tf.Tensor, g: tf.Tensor, b: tf.Tensor, eps: number): tf.Tensor {
  const D = x.shape[x.rank - 1];
  const rows = x.size / D;
  const R = g.rank === 2 ? g.shape[0] : undefined;
  // Replica q's rows are q * per .. (q + 1) * per - 1 (row r's replica: r / per).
  const per = R === undefined ? 0 : rows / R;
  const tag = R === undefined ? '' : `_r${per}`;
  const gj = R === undefined ? 'j' : `(r / ${per}) * ${D} + j`;
  const f = tf.customGrad(((xx: tf.Tensor, gg: tf.Tensor, bb: tf.Tensor, save: tf.GradSaveFunc) => {
    const stats = rowStats(xx, rows, D, eps);
    const y = run(
      `fwd_${D}${tag}`,
      ['X', 'ST', 'G', 'B'],
      xx.shape,
      xx.size,
      `${XHAT(D)} result[i] = xhat * G[${gj}] + B[${gj}];`,
      [xx, stats, gg, bb],
    );
    save([xx, gg, stats]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sx, sg, st] = saved;
        // Per row: mean(dy g) and mean(dy g xhat).
        const sums = run(
          `rowsums_${D}${tag}`,
          ['X', 'DY', 'G', 'ST'],
          [rows, 2],
          rows,
          `
        let base = i * ${D};${R === undefined ? '' : ' let r = i;'}
        let mu = ST[2 * i]; let rs = ST[2 * i + 1];
        var a = 0.0; var c = 0.0;
        for (var j = 0; j < ${D}; j++) { let dg = DY[base + j] * G[${gj}]; a += dg; c += dg * (X[base + j] - mu) * rs; }
        result[2 * i] = a / ${D}.0;
        result[2 * i + 1] = c / ${D}.0;`,
          [sx, dy, sg, st],
        );
        const dx = run(
          `dx_${D}${tag}`,
          ['X', 'DY', 'G', 'ST', 'SU'],
          sx.shape,
          sx.size,
          `${XHAT(D)} result[i] = ST[2 * r + 1] * (DY[i] * G[${gj}] - SU[2 * r] - xhat * SU[2 * r + 1]);`,
          [sx, dy, sg, st, sums],
        );
        // Column sums over the rows (of each replica's block: output [R, D], invocation q * D + j).
        const column = (key: string, inputs: string[], term: string, ts: tf.Tensor[]) =>
          R === undefined
            ? run(
                `${key}_${D}`,
                inputs,
                [D],
                D,
                `
        var s = 0.0;
        for (var r = 0; r < uniforms.rows; r++) { let k = r * ${D} + i; ${term} }
        result[i] = s;`,
                ts,
                rows,
              )
            : run(
                `${key}_${D}${tag}`,
                inputs,
                [R, D],
                R * D,
                `
        let q = i / ${D}; let c = i % ${D};
        var s = 0.0;
        for (var r = q * ${per}; r < (q + 1) * ${per}; r++) { let k = r * ${D} + c; ${term} }
        result[i] = s;`,
                ts,
              );
        const dgOut = column('dg', ['X', 'DY', 'ST'], 's += DY[k] * (X[k] - ST[2 * r]) * ST[2 * r + 1];', [sx, dy, st]);
        const dbOut = column('db', ['DY'], 's += DY[k];', [dy]);
        sums.dispose();
        return [dx, dgOut, dbOut];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (
    a: tf.Tensor,
    b: tf.Tensor,
    c: tf.Tensor,
  ) => tf.Tensor;
  return f(x, g, b);
}
