import { describe, expect, it } from 'vitest';
import { encode } from 'fast-png';
import {
  base64ToBytes,
  bytesToBase64,
  domains,
  encodeImagePng,
  pairsToJsonl,
  parsePairsJsonl,
  render,
  verifyPair,
} from '../../src/tasks/index.ts';

const enc = (s: string) => new TextEncoder().encode(s);
const row = (over: Record<string, unknown> = {}) =>
  JSON.stringify({
    id: 'p1',
    domain: 'trace',
    query: 'final c',
    answer: '7',
    positive: 'c=3 ; c=7',
    negative: 'c=7 ; c=3',
    negative_answer: '3',
    ...over,
  });
const png = (w: number, h: number, channels = 3) =>
  bytesToBase64(encode({ width: w, height: h, data: new Uint8Array(w * h * channels), channels, depth: 8 }));
const scene = {
  png: bytesToBase64(encodeImagePng(render({ objects: [{ colour: 'red', kind: 'square', size: 6, x: 2, y: 2 }] }))),
};
const scene2 = {
  png: bytesToBase64(encodeImagePng(render({ objects: [{ colour: 'blue', kind: 'square', size: 6, x: 2, y: 2 }] }))),
};
const imageRow = (over: Record<string, unknown> = {}) =>
  row({
    domain: 'image',
    query: 'colour of square',
    answer: 'red',
    negative_answer: 'blue',
    positive: scene,
    negative: scene2,
    ...over,
  });

describe('JSON Lines round trip', () => {
  it.each(['trace', 'document', 'image'] as const)(
    '%s pairs survive export and import, and still pass the verifier',
    (name) => {
      const { pairs } = domains[name].pairs(1, 20);
      const back = parsePairsJsonl(enc(pairsToJsonl(pairs)));
      expect(back.errors).toEqual([]);
      expect(back.pairs).toHaveLength(20);
      back.pairs.forEach((p, i) => {
        expect(p.positive).toEqual(pairs[i].positive);
        expect(p.negative).toEqual(pairs[i].negative);
        expect(p.answer).toBe(pairs[i].answer);
        expect(p.negativeAnswer).toBe(pairs[i].negativeAnswer);
        expect(verifyPair(p)).toEqual({ ok: true });
      });
    },
  );

  it('a minimal line (spec fields only) imports, with the decisive span taken from the difference', () => {
    const { pairs, errors } = parsePairsJsonl(row({ negative_answer: undefined }));
    expect(errors).toEqual([]);
    expect(pairs[0].negativeAnswer).toBe('');
    expect(pairs[0].decisivePositive).toEqual([{ kind: 'text', start: 2, end: 9 }]);
  });

  it('base64 matches the standard encoding and rejects malformed input', () => {
    const bytes = new Uint8Array([0, 1, 2, 250, 251, 252, 253]);
    for (let n = 0; n <= bytes.length; n++)
      expect(bytesToBase64(bytes.subarray(0, n))).toBe(Buffer.from(bytes.subarray(0, n)).toString('base64'));
    expect(base64ToBytes('AAEC+vv8/Q==')).toEqual(bytes);
    for (const bad of ['abc', 'ab$=', '=AAA', 'A===']) expect(base64ToBytes(bad)).toBeNull();
  });
});

type Case = [string, string | Uint8Array, { line: number; field?: string; message: RegExp }, object?];
const cases: Case[] = [
  ['malformed JSON', `${row()}\n{"id": "x",`, { line: 2, message: /malformed JSON/ }],
  ['not an object', '[1, 2]', { line: 1, message: /expected a JSON object \(got array\)/ }],
  ['a missing field', row({ query: undefined }), { line: 1, field: 'query', message: /missing field "query"/ }],
  [
    'a mistyped field',
    row({ answer: 7 }),
    { line: 1, field: 'answer', message: /field "answer" must be a string \(got number\)/ },
  ],
  [
    'an unknown domain',
    row({ domain: 'audio' }),
    { line: 1, field: 'domain', message: /must be one of trace, document, image/ },
  ],
  [
    'a context of the wrong shape',
    row({ positive: 5 }),
    { line: 1, field: 'positive', message: /must be a string \(text\) or \{"png"/ },
  ],
  [
    'an image context in a text domain',
    row({ negative: scene }),
    { line: 1, field: 'negative', message: /trace contexts must be strings/ },
  ],
  [
    'a text context in the image domain',
    imageRow({ positive: 'red' }),
    { line: 1, field: 'positive', message: /image contexts must be/ },
  ],
  [
    'a line over the size limit',
    row({ positive: 'x '.repeat(200) + 'c=7' }),
    { line: 1, message: /more than the limit of 300/ },
    { maxLineBytes: 300 },
  ],
  [
    'a file over the line limit',
    [row(), row({ id: 'p2' }), row({ id: 'p3' })].join('\n'),
    { line: 3, message: /more than the limit of 2/ },
    { maxLines: 2 },
  ],
  [
    'bytes that are not UTF-8',
    new Uint8Array([...enc(row()), 10, ...enc('{"id": "'), 0xff, 0xfe, ...enc('"}')]),
    { line: 2, message: /not valid UTF-8/ },
  ],
  [
    'an image of the wrong size',
    imageRow({ negative: { png: png(16, 16) } }),
    { line: 1, field: 'negative.png', message: /must be 24x24 \(got 16x16\)/ },
  ],
  [
    'an image that is not base64',
    imageRow({ positive: { png: 'not base64!' } }),
    { line: 1, field: 'positive.png', message: /not valid base64/ },
  ],
  [
    'an image that is not a PNG',
    imageRow({ positive: { png: bytesToBase64(enc('hello world!')) } }),
    { line: 1, field: 'positive.png', message: /not a decodable PNG/ },
  ],
  [
    'a grey image',
    imageRow({ positive: { png: png(24, 24, 1) } }),
    { line: 1, field: 'positive.png', message: /8-bit RGB or RGBA/ },
  ],
  ['identical contexts', row({ negative: 'c=3 ; c=7' }), { line: 1, field: 'negative', message: /identical/ }],
  ['identical images', imageRow({ negative: scene }), { line: 1, field: 'negative', message: /identical/ }],
  ['equal answers', row({ negative_answer: '7' }), { line: 1, field: 'negative_answer', message: /equals answer/ }],
  ['an empty file', '', { line: 0, message: /empty file/ }],
  ['a file of blank lines', '\n  \n\n', { line: 0, message: /empty file/ }],
  ['a duplicate id', `${row()}\n${row()}`, { line: 2, field: 'id', message: /duplicate id "p1" \(first on line 1\)/ }],
];

describe('JSON Lines import errors', () => {
  it.each(cases)('%s', (_, input, expected, opts) => {
    const result = parsePairsJsonl(typeof input === 'string' ? enc(input) : input, opts);
    expect(result.errors).toContainEqual(
      expect.objectContaining({ ...expected, message: expect.stringMatching(expected.message) }),
    );
    expect(result.pairs).toEqual([]);
  });

  it('valid lines are kept only when asked', () => {
    const file = enc([row(), '{oops', row({ id: 'p2' })].join('\n'));
    expect(parsePairsJsonl(file).pairs).toEqual([]);
    const kept = parsePairsJsonl(file, { keepValid: true });
    expect(kept.pairs.map((p) => p.id)).toEqual(['p1', 'p2']);
    expect(kept.errors).toHaveLength(1);
  });

  it('RGBA images are accepted with the alpha dropped; CRLF line ends are fine', () => {
    const { pairs, errors } = parsePairsJsonl(enc(imageRow({ positive: { png: png(24, 24, 4) } }) + '\r\n'));
    expect(errors).toEqual([]);
    expect(pairs[0].positive).toMatchObject({ width: 24, height: 24 });
  });

  it.each([
    ['UTF-16 LE with a BOM', 'utf-16le', true, /the file is UTF-16 \(little-endian\) text; pairs files are UTF-8/],
    ['UTF-16 LE without a BOM', 'utf-16le', false, /the file is UTF-16 \(little-endian\) text/],
    ['UTF-16 BE with a BOM', 'utf-16be', true, /the file is UTF-16 \(big-endian\) text/],
  ])('a %s file is named as such, not "malformed JSON"', (_, encoding, bom, message) => {
    const text = (bom ? '\ufeff' : '') + row() + '\n' + row({ id: 'p2' }) + '\n';
    const le = new Uint8Array(text.length * 2);
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      const [lo, hi] = [c & 0xff, c >> 8];
      le.set(encoding === 'utf-16le' ? [lo, hi] : [hi, lo], i * 2);
    }
    const r = parsePairsJsonl(le, { keepValid: true });
    expect(r.pairs).toEqual([]);
    expect(r.errors).toEqual([{ line: 0, message: expect.stringMatching(message) }]);
  });

  it('CR-only line endings are named; a stray CR inside a line is named in its error', () => {
    const r = parsePairsJsonl(enc(row() + '\r' + row({ id: 'p2' }) + '\r'));
    expect(r.errors).toEqual([{ line: 0, message: expect.stringMatching(/CR alone \(classic Mac OS line endings\)/) }]);
    const mixed = parsePairsJsonl(enc(row() + '\n' + row({ id: 'p2' }) + '\r' + row({ id: 'p3' }) + '\n'), {
      keepValid: true,
    });
    expect(mixed.pairs.map((p) => p.id)).toEqual(['p1']);
    expect(mixed.errors).toEqual([{ line: 2, message: expect.stringMatching(/CR line ending \(CR without LF\)/) }]);
  });

  it('a UTF-8 BOM is not an encoding problem', () => {
    const r = parsePairsJsonl(enc('\ufeff' + row() + '\n'));
    expect(r.errors).toEqual([]);
    expect(r.pairs).toHaveLength(1);
  });

  it('a PNG is judged by its header before it is decoded: a 7000x7000 image, a zlib bomb labelled 24x24', () => {
    /** Signature, IHDR (width, height, 8-bit RGB), one IDAT of `idat` bytes, IEND; CRCs are not checked first. */
    const crafted = (w: number, h: number, idat: number) => {
      const out = new Uint8Array(8 + 25 + 12 + idat + 12);
      const v = new DataView(out.buffer);
      out.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 0);
      v.setUint32(8, 13);
      out.set(enc('IHDR'), 12);
      v.setUint32(16, w);
      v.setUint32(20, h);
      out.set([8, 2, 0, 0, 0], 24);
      v.setUint32(33, idat);
      out.set(enc('IDAT'), 37);
      v.setUint32(45 + idat, 0);
      out.set(enc('IEND'), 49 + idat);
      return { png: bytesToBase64(out) };
    };
    const huge = parsePairsJsonl(enc(imageRow({ positive: crafted(7000, 7000, 100) })));
    expect(huge.errors).toEqual([{ line: 1, field: 'positive.png', message: 'image must be 24x24 (got 7000x7000)' }]);
    const bomb = parsePairsJsonl(enc(imageRow({ positive: crafted(24, 24, 100_000) })));
    expect(bomb.errors).toEqual([
      {
        line: 1,
        field: 'positive.png',
        message: 'PNG holds 100000 bytes of image data, more than a 24x24 image needs',
      },
    ]);
    const cut = parsePairsJsonl(enc(imageRow({ positive: { png: scene.png.slice(0, 40) } })));
    expect(cut.errors[0].message).toMatch(/not a decodable PNG/);
  });

  it('never throws on arbitrary bytes', () => {
    for (let s = 0; s < 200; s++) {
      const bytes = new Uint8Array(64).map((_, i) => (s * 31 + i * 17) % 256);
      expect(() => parsePairsJsonl(bytes)).not.toThrow();
    }
  });
});
