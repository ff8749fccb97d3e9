/**
 * Hostile checkpoints: every damaged, foreign or crafted buffer is refused with a message that says
 * why, by the run-checkpoint reader and by the session that would resume from it; none throws a
 * TypeError, none loads weights that are not finite.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { packRunCheckpoint, unpackRunCheckpoint } from '../../src/runtime/run-checkpoint.ts';
import { RunSession } from '../../src/runtime/session.ts';
import { parseRunConfig } from '../../src/config/run-config.ts';

const root = path.resolve(import.meta.dirname, '../..');
let real: ArrayBuffer;

/** FNV-1a over bytes, continuing from h. */
function fnv(bytes: Uint8Array, h = 0x811c9dc5): number {
  for (const b of bytes) h = Math.imul(h ^ b, 0x01000193);
  return h >>> 0;
}

/** Rewrites the header JSON (and the length and checksum, so that only the edit is wrong). */
function withHeader(buf: ArrayBuffer, edit: (h: { meta: Record<string, unknown>; tensors: unknown[] }) => unknown) {
  const bytes = new Uint8Array(buf);
  const hlen = new DataView(buf).getUint32(8, true);
  const h = JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + hlen)));
  const edited = edit(h);
  const json = new TextEncoder().encode(JSON.stringify(edited === undefined ? h : edited));
  const payload = bytes.subarray(16 + hlen);
  const out = new Uint8Array(16 + json.length + payload.length);
  out.set(bytes.subarray(0, 8), 0);
  new DataView(out.buffer).setUint32(8, json.length, true);
  out.set(json, 12);
  out.set(payload, 16 + json.length);
  new DataView(out.buffer).setUint32(12 + json.length, fnv(payload, fnv(out.subarray(0, 12 + json.length))), true);
  return out.buffer;
}

const CASES: [string, () => ArrayBuffer, RegExp][] = [
  ['an empty buffer', () => new ArrayBuffer(0), /bad magic/],
  [
    'a PNG',
    () => new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, ...new Array(40).fill(0)]).buffer,
    /bad magic/,
  ],
  ['a pairs file', () => new TextEncoder().encode('{"id":"p1","domain":"trace"}\n'.repeat(4)).buffer, /bad magic/],
  ['random bytes', () => new Uint8Array(4096).map((_, i) => (i * 97 + 13) % 256).buffer, /bad magic/],
  ['truncated to its header', () => real.slice(0, 200), /truncated/],
  ['cut in the payload', () => real.slice(0, real.byteLength - 1000), /corrupt|truncated/],
  [
    'a header length past the end',
    () => {
      const b = new Uint8Array(real.slice(0));
      new DataView(b.buffer).setUint32(8, 0xffffffff, true);
      return b.buffer;
    },
    /truncated/,
  ],
  [
    'one flipped weight bit',
    () => {
      const b = new Uint8Array(real.slice(0));
      b[b.length - 5] ^= 0x40;
      return b.buffer;
    },
    /corrupt \(checksum mismatch/,
  ],
  [
    'vocabulary entries swapped in the header',
    () => {
      const b = new Uint8Array(real.slice(0));
      const hlen = new DataView(b.buffer).getUint32(8, true);
      const text = new TextDecoder().decode(b.subarray(12, 12 + hlen));
      const m = /"vocabulary":\["([^"]+)","([^"]+)"/.exec(text)!;
      const swapped = text.replace(m[0], `"vocabulary":["${m[2]}","${m[1]}"`);
      b.set(new TextEncoder().encode(swapped), 12);
      return b.buffer;
    },
    /corrupt \(checksum mismatch over the header and payload\)/,
  ],
  [
    'NaN weights with a recomputed checksum',
    () => {
      const b = new Uint8Array(real.slice(0));
      const hlen = new DataView(b.buffer).getUint32(8, true);
      new DataView(b.buffer).setFloat32(16 + hlen + 8, NaN, true);
      new DataView(b.buffer).setUint32(12 + hlen, fnv(b.subarray(16 + hlen), fnv(b.subarray(0, 12 + hlen))), true);
      return b.buffer;
    },
    /non-finite weights: w\/\S+\[2\] is NaN/,
  ],
  ['a header that is null', () => withHeader(real, () => null), /\(file\): must be an object/],
  ['tensors that are a string', () => withHeader(real, (h) => ({ ...h, tensors: 'x' })), /tensors: must be a list/],
  [
    'a tensor shape of -1',
    () =>
      withHeader(real, (h) => {
        (h.tensors[0] as { shape: number[] }).shape = [-1];
      }),
    /tensors\[0\]\.shape\[0\]/,
  ],
  [
    'format 2 meta',
    () =>
      withHeader(real, (h) => {
        h.meta.format = 2;
      }),
    /unsupported run checkpoint format 2/,
  ],
  [
    'a config the runtime refuses',
    () =>
      withHeader(real, (h) => {
        (h.meta.config as Record<string, unknown>).groupSize = 1e9;
      }),
    /groupSize must be an integer in \[2, 64\]/,
  ],
  [
    'a base model where a run is expected',
    () => {
      const f = readFileSync(path.join(root, 'public/models/trace.ckpt'));
      return f.buffer.slice(f.byteOffset, f.byteOffset + f.byteLength);
    },
    /checkpoint is a base model, not a run/,
  ],
];

beforeAll(async () => {
  await tf.setBackend('cpu');
  const s = await RunSession.create(
    parseRunConfig({ steps: 2, evalEvery: 0, warmStartSteps: 1, batchSize: 2, groupSize: 2 }),
  );
  await s.stepOnce();
  real = await s.save();
  s.dispose();
  expect(unpackRunCheckpoint(real).meta.kind).toBe('run');
});

describe('hostile checkpoints', () => {
  it.each(CASES)('%s is refused with the reason', async (_, make, message) => {
    const n = tf.memory().numTensors;
    const buf = make();
    let error: Error | undefined;
    try {
      const s = await RunSession.create(parseRunConfig({}), { checkpoint: buf });
      s.dispose();
    } catch (e) {
      error = e as Error;
    }
    expect(error, 'the session refused it').toBeDefined();
    expect(error).not.toBeInstanceOf(TypeError);
    expect(error!.message).toMatch(message);
    expect(tf.memory().numTensors).toBe(n); // nothing leaked on the way out
  });

  it('the real checkpoint round-trips (the cases above are damage, not a broken writer)', async () => {
    const s = await RunSession.create(parseRunConfig({}), { checkpoint: real });
    expect(s.unit).toBe(1);
    s.dispose();
    expect(() => packRunCheckpoint(unpackRunCheckpoint(real))).not.toThrow();
  });
});
