/** The run checkpoint's container: its checksum covers header and payload; older files still load. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { packRunCheckpoint, unpackRunCheckpoint, type NamedArray } from '../../src/runtime/run-checkpoint.ts';

const root = path.resolve(import.meta.dirname, '../..');

// A valid header's meta: the bundled trace base model's, its vocabulary cut to three words.
const base = readFileSync(path.join(root, 'public/models/trace.ckpt'));
const meta = {
  ...unpackRunCheckpoint(base.buffer.slice(base.byteOffset, base.byteOffset + base.byteLength)).meta,
  vocabulary: ['a', 'b', 'c'],
};
const tensors = (): NamedArray[] => [{ name: 'w/x', shape: [2, 2], data: new Float32Array([1, -2, 3.5, 0]) }];

/** FNV-1a as the first container computed it (payload only). */
function fnv(bytes: Uint8Array, h = 0x811c9dc5): number {
  for (const b of bytes) h = Math.imul(h ^ b, 0x01000193);
  return h >>> 0;
}

/** The header JSON of a packed buffer, edited, with the length field and checksum made consistent again. */
function editHeader(buf: ArrayBuffer, edit: (h: Record<string, unknown>) => void, v1 = false): ArrayBuffer {
  const bytes = new Uint8Array(buf);
  const hlen = new DataView(buf).getUint32(8, true);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + hlen)));
  edit(header);
  const json = new TextEncoder().encode(JSON.stringify(header));
  const payload = bytes.subarray(16 + hlen);
  const out = new Uint8Array(16 + json.length + payload.length);
  out.set(new TextEncoder().encode(v1 ? 'CRLRUNCK' : 'CRLRUNK2'), 0);
  new DataView(out.buffer).setUint32(8, json.length, true);
  out.set(json, 12);
  out.set(payload, 16 + json.length);
  // A v1 file's checksum covers only the payload, so it stays valid after any header edit.
  const sum = v1 ? fnv(payload) : new DataView(buf).getUint32(12 + hlen, true);
  new DataView(out.buffer).setUint32(12 + json.length, sum, true);
  return out.buffer;
}

describe('run checkpoint container', () => {
  it('round-trips meta and arrays', () => {
    const ck = unpackRunCheckpoint(packRunCheckpoint({ meta, model: new ArrayBuffer(0), tensors: tensors() }));
    expect(ck.meta).toEqual(meta);
    expect([...ck.tensors[0].data]).toEqual([1, -2, 3.5, 0]);
  });

  it('an edited header (vocabulary entries swapped) fails its checksum', () => {
    const buf = packRunCheckpoint({ meta, model: new ArrayBuffer(0), tensors: tensors() });
    const swapped = editHeader(buf, (h) => {
      (h.meta as { vocabulary: string[] }).vocabulary = ['b', 'a', 'c'];
    });
    expect(() => unpackRunCheckpoint(swapped)).toThrow(/corrupt \(checksum mismatch over the header and payload\)/);
    // One flipped bit in the length field, too.
    const b = new Uint8Array(buf.slice(0));
    b[8] ^= 1;
    expect(() => unpackRunCheckpoint(b.buffer)).toThrow(/corrupt|truncated/);
  });

  it('files of the first container (payload-only checksum) still load, the bundled base models among them', () => {
    const buf = packRunCheckpoint({ meta, model: new ArrayBuffer(0), tensors: tensors() });
    const v1 = editHeader(buf, () => undefined, true);
    expect(new TextDecoder().decode(new Uint8Array(v1, 0, 8))).toBe('CRLRUNCK');
    expect(unpackRunCheckpoint(v1).meta).toEqual(meta);
    for (const name of ['trace', 'document', 'image']) {
      const file = readFileSync(path.join(root, 'public/models', `${name}.ckpt`));
      const ck = unpackRunCheckpoint(file.buffer.slice(file.byteOffset, file.byteOffset + file.byteLength));
      expect(ck.meta.kind).toBe('base');
    }
  });

  it('weights that are not finite are refused with the tensor and index named', () => {
    const t = tensors();
    t[0].data[2] = NaN;
    expect(() => unpackRunCheckpoint(packRunCheckpoint({ meta, model: new ArrayBuffer(0), tensors: t }))).toThrow(
      'run checkpoint holds non-finite weights: w/x[2] is NaN (weights must be finite numbers)',
    );
  });

  it.each([
    ['a header that is null', (h: Record<string, unknown>) => Object.keys(h).forEach((k) => delete h[k]), /meta/],
    ['tensors that are not a list', (h: Record<string, unknown>) => (h.tensors = 'x'), /tensors: must be a list/],
    [
      'a shape that does not hold its length',
      (h: Record<string, unknown>) => ((h.tensors as { shape: number[] }[])[0].shape = [3, 3]),
      /shape \[3,3\] does not hold 4 values/,
    ],
    [
      'a negative offset',
      (h: Record<string, unknown>) => ((h.tensors as { offset: number }[])[0].offset = -4),
      /tensors\[0\]\.offset/,
    ],
    ['modelBytes past the payload', (h: Record<string, unknown>) => (h.modelBytes = 1e9), /modelBytes/],
  ])('%s is refused with the field named (old container, so no checksum hides it)', (_, edit, message) => {
    const buf = packRunCheckpoint({ meta, model: new ArrayBuffer(0), tensors: tensors() });
    expect(() => unpackRunCheckpoint(editHeader(buf, edit, true))).toThrow(message);
  });
});
