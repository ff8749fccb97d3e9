/**
 * A hand-built 1-layer transformer whose answer depends on one token only: the single "value"
 * token v0..v3 in the prompt. Everything else is a filler.
 *   embeddings (D = 16, zero mean per token, so LayerNorm keeps each token in its own dims):
 *     v_i: e0 - e1 + e(2+i) - e(6+i)          fillers: e(10+k%3) - e(13+k%3)
 *   attention: q = bias u (constant), k reads dim 0 (the value flag): every query attends to the
 *     value token (score 20 vs 0); v copies dims 2..5; wo writes them back, scaled.
 *   MLP all zero; the head maps dim 2+i to the logit of v_i.
 * So the next token after `... v2 ... | q ->` is v2 whatever the fillers are.
 */
import * as tf from '@tensorflow/tfjs';
import { modelConfig, parameterShapes, Tokenizer, Transformer } from '../../src/engine/index.ts';

export const VALUES = ['v0', 'v1', 'v2', 'v3'];
export const FILLERS = ['f0', 'f1', 'f2', 'f3', 'f4', 'f5', 'q'];
export const groundingTokenizer = () => new Tokenizer([...VALUES, ...FILLERS], { nPatches: 4 });

export function oneTokenModel(tok: Tokenizer): Transformer {
  const cfg = modelConfig({ nLayer: 1, dModel: 16, nHead: 1, contextLength: 48, dMlp: 16 }, tok.size, {
    imageSize: 4,
    patchSize: 2,
  });
  const D = 16;
  const V = tok.size;
  const host = new Map<string, Float32Array>();
  for (const [name, shape] of parameterShapes(cfg))
    host.set(name, new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(name.endsWith('.g') ? 1 : 0));
  const set = (name: string, cols: number, r: number, c: number, v: number) => {
    (host.get(name) as Float32Array)[r * cols + c] = v;
  };
  for (let id = 0; id < V; id++) {
    const vi = VALUES.indexOf(tok.tokens[id]);
    if (vi >= 0) {
      set('wte', D, id, 0, 1);
      set('wte', D, id, 1, -1);
      set('wte', D, id, 2 + vi, 1);
      set('wte', D, id, 6 + vi, -1);
    } else {
      set('wte', D, id, 10 + (id % 3), 1);
      set('wte', D, id, 13 + (id % 3), -1);
    }
  }
  const s = Math.sqrt(40); // q.k / sqrt(dh) = s * (2 s) / 4 = 20 for the value token
  (host.get('h0.attn.bqkv') as Float32Array)[0] = s; // q = s * e0
  set('h0.attn.wqkv', 3 * D, 0, D + 0, s); // k_0 = s * xhat_0
  for (let i = 0; i < 4; i++) {
    set('h0.attn.wqkv', 3 * D, 2 + i, 2 * D + 2 + i, 1); // v copies the value dims
    set('h0.attn.wo', D, 2 + i, 2 + i, 5);
    set('head.w', V, 2 + i, tok.id(VALUES[i]) as number, 5);
  }
  const params = new Map<string, tf.Tensor>();
  for (const [name, shape] of parameterShapes(cfg)) params.set(name, tf.tensor(host.get(name) as Float32Array, shape));
  return new Transformer(cfg, 0, params, false);
}
