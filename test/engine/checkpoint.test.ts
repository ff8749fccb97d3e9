import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { decodeCheckpoint, fnv1aBytes, loadPolicy, Policy, savePolicy, Tokenizer } from '../../src/engine/index.ts';
import { useCpu } from './helpers.ts';
import { sftBatch, toyTokenizer } from './toy.ts';

beforeAll(useCpu);

const tok = toyTokenizer();
const model = { nLayer: 1, dModel: 16, nHead: 2, contextLength: 16 };

async function trained(): Promise<Policy> {
  const p = new Policy(tok, { model, seed: 7 });
  for (let s = 0; s < 2; s++) await p.sftStep(sftBatch(s, 4, 1));
  return p;
}

describe('checkpoint', () => {
  it('round trip is bit-exact: weights, optimizer state, config, step', async () => {
    const p = await trained();
    const buf = await savePolicy(p, { includeOptimizer: true, meta: { note: 'test' } });
    const q = loadPolicy(buf);
    expect(q.step).toBe(2);
    expect(q.model.config).toEqual(p.model.config);
    expect(q.tokenizer.vocabHash).toBe(tok.vocabHash);
    for (const [name, t] of p.model.params) {
      const a = new Uint32Array(((await t.data()) as Float32Array).buffer.slice(0));
      const b = new Uint32Array(
        ((await (q.model.params.get(name) as tf.Tensor).data()) as Float32Array).buffer.slice(0),
      );
      expect(Buffer.from(b.buffer).equals(Buffer.from(a.buffer)), name).toBe(true);
    }
    const again = await savePolicy(q, { includeOptimizer: true, meta: { note: 'test' } });
    expect(Buffer.from(again).equals(Buffer.from(buf))).toBe(true);
    // Training continues identically from the restored optimizer state.
    const m1 = await p.sftStep(sftBatch(9, 4, 1));
    const m2 = await q.sftStep(sftBatch(9, 4, 1));
    expect(m2['loss/sft']).toBe(m1['loss/sft']);
    expect(decodeCheckpoint(buf).meta).toEqual({ note: 'test' });
    p.dispose();
    q.dispose();
  });

  it.each([
    [
      'a flipped data byte',
      (b: Uint8Array) => {
        b[b.length - 3] ^= 0x10;
      },
      /corrupt: checksum mismatch/,
    ],
    [
      'a flipped header byte',
      (b: Uint8Array) => {
        b[20] ^= 0x01;
      },
      /corrupt: checksum mismatch/,
    ],
    [
      'a version field changed to 1 (version 2 checksums it)',
      (b: Uint8Array) => {
        b[4] = 1;
      },
      /corrupt: checksum mismatch/,
    ],
    [
      'a bad magic',
      (b: Uint8Array) => {
        b[0] = 0x58;
      },
      /not a ContextRL checkpoint: bad magic/,
    ],
    [
      'another format version',
      (b: Uint8Array) => {
        b[4] = 9;
      },
      /unsupported checkpoint format version 9/,
    ],
  ])('rejects %s with a message', async (_what, damage, message) => {
    const p = await trained();
    const buf = await savePolicy(p);
    p.dispose();
    const bytes = new Uint8Array(buf.slice(0));
    damage(bytes);
    expect(() => loadPolicy(bytes.buffer)).toThrow(message);
  });

  it('rejects a truncated buffer and a mismatched vocabulary', async () => {
    const p = await trained();
    const buf = await savePolicy(p);
    p.dispose();
    expect(() => loadPolicy(buf.slice(0, 10))).toThrow(/truncated/);
    expect(() => loadPolicy(buf.slice(0, buf.byteLength - 8))).toThrow(/corrupt|truncated/);
    expect(() => loadPolicy(buf, new Tokenizer(['other', 'words']))).toThrow(
      /vocabulary \(hash [0-9a-f]+\) does not match/,
    );
    const n = tf.memory().numTensors;
    expect(() => loadPolicy(buf, new Tokenizer(['other']))).toThrow();
    expect(tf.memory().numTensors).toBe(n);
  });

  it('version 1 files (checksum over the header JSON and data only) still load', async () => {
    const p = await trained();
    const bytes = new Uint8Array((await savePolicy(p)).slice(0));
    p.dispose();
    const view = new DataView(bytes.buffer);
    view.setUint32(4, 1, true);
    view.setUint32(12, fnv1aBytes(bytes.subarray(16)), true);
    const q = loadPolicy(bytes.buffer);
    expect(q.step).toBe(2);
    q.dispose();
  });

  it('refuses weights that are not finite, naming the tensor (a corrupt file whose checksum was fixed)', async () => {
    const p = await trained();
    const bytes = new Uint8Array((await savePolicy(p)).slice(0));
    p.dispose();
    const view = new DataView(bytes.buffer);
    const jsonLen = view.getUint32(8, true);
    view.setFloat32(16 + jsonLen + 4 * 3, Infinity, true);
    view.setUint32(12, fnv1aBytes(bytes.subarray(16), fnv1aBytes(bytes.subarray(0, 12))), true);
    expect(() => loadPolicy(bytes.buffer)).toThrow(/checkpoint tensor \S+\[3\] is Infinity \(weights must be finite\)/);
  });
});
