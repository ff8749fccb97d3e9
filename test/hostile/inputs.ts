/**
 * Hostile inputs, generated, each with the outcome the lab owes it: pair files (JSON Lines), links
 * (URL query strings) and checkpoints. test/hostile/*.test.ts runs all of them in Node (npm test);
 * test/e2e/reliability.e2e.ts feeds the pair files marked `browser` to the page in Chromium.
 * Generators, not fixtures: nothing big is stored in the repository.
 */
import { encode } from 'fast-png';
import { bytesToBase64, encodeImagePng, render } from '../../src/tasks/index.ts';

const enc = (s: string) => new TextEncoder().encode(s);

export interface Expected {
  /** Valid pairs kept (keepValid). */
  pairs: number;
  /** Every error expected, by line and a part of its message (order as the importer reports them). */
  errors: { line: number; message: string }[];
  /** The last error, when the list is long. */
  last?: { line: number; message: string };
}

export interface HostilePairFile {
  name: string;
  bytes: () => Uint8Array;
  expect: Expected;
  /** Also fed to the page in Chromium (small, quick files). */
  browser?: boolean;
}

const good = (over: Record<string, unknown> = {}) =>
  JSON.stringify({
    id: 'p1',
    domain: 'trace',
    query: 'final c',
    answer: '7',
    negative_answer: '3',
    positive: 'c=3 ; c=7',
    negative: 'c=7 ; c=3',
    ...over,
  });

const scene = (colour: 'red' | 'blue') =>
  bytesToBase64(encodeImagePng(render({ objects: [{ colour, kind: 'square', size: 6, x: 2, y: 2 }] })));

const imageRow = (positive: unknown) =>
  good({
    domain: 'image',
    query: 'colour of square',
    answer: 'red',
    negative_answer: 'blue',
    positive,
    negative: { png: scene('blue') },
  });

/** A PNG whose header says w x h, with `idat` bytes of image data (never decodable; only its header is read). */
function craftedPng(w: number, h: number, idat: number): string {
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
  out.set(enc('IEND'), 49 + idat);
  return bytesToBase64(out);
}

function utf16(text: string, bigEndian: boolean, bom: boolean): Uint8Array {
  const s = (bom ? '\ufeff' : '') + text;
  const out = new Uint8Array(s.length * 2);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    out.set(bigEndian ? [c >> 8, c & 0xff] : [c & 0xff, c >> 8], i * 2);
  }
  return out;
}

const XSS = '<img src=x onerror="window.pwned=1"><script>window.pwned=2</script>';

export function hostilePairFiles(): HostilePairFile[] {
  return [
    {
      name: 'xss-in-every-text-field',
      bytes: () =>
        enc(
          good({ id: `x${XSS}`, query: XSS, answer: XSS, positive: `c=3 ; ${XSS}`, negative: `c=7 ; ${XSS}` }) + '\n',
        ),
      expect: { pairs: 1, errors: [] },
      browser: true,
    },
    {
      name: 'prototype-pollution-keys',
      bytes: () =>
        enc(
          [
            '{"__proto__": {"polluted": 1}, ' + good().slice(1),
            good({ id: 'p2', constructor: { prototype: { polluted: 1 } } }),
            good({ id: 'p3', meta: { __proto__: 'x' } }),
          ].join('\n'),
        ),
      expect: { pairs: 3, errors: [] },
      browser: true,
    },
    {
      name: 'utf16-le-bom',
      bytes: () => utf16(good() + '\n', false, true),
      expect: { pairs: 0, errors: [{ line: 0, message: 'the file is UTF-16 (little-endian) text' }] },
      browser: true,
    },
    {
      name: 'utf16-be-no-bom',
      bytes: () => utf16(good() + '\n', true, false),
      expect: { pairs: 0, errors: [{ line: 0, message: 'the file is UTF-16 (big-endian) text' }] },
    },
    {
      name: 'cr-only-line-endings',
      bytes: () => enc(good() + '\r' + good({ id: 'p2' }) + '\r'),
      expect: { pairs: 0, errors: [{ line: 0, message: 'CR alone (classic Mac OS line endings)' }] },
      browser: true,
    },
    {
      name: 'utf8-bom-and-crlf',
      bytes: () => enc('\ufeff' + good() + '\r\n' + good({ id: 'p2' }) + '\r\n'),
      expect: { pairs: 2, errors: [] },
    },
    {
      name: 'garbage-bytes',
      bytes: () => new Uint8Array(4096).map((_, i) => (i * 131 + 7) % 251),
      expect: { pairs: 0, errors: [{ line: 1, message: '' }] },
    },
    {
      name: 'empty-file',
      bytes: () => new Uint8Array(0),
      expect: { pairs: 0, errors: [{ line: 0, message: 'empty file' }] },
    },
    {
      name: 'non-objects',
      bytes: () => enc(['42', '"text"', 'null', '[1,2]', 'true'].join('\n')),
      expect: {
        pairs: 0,
        errors: [1, 2, 3, 4, 5].map((line) => ({ line, message: 'expected a JSON object' })),
      },
      browser: true,
    },
    {
      name: 'an-800-kB-line',
      bytes: () => enc(good({ positive: 'c=3 ; ' + 'x=1 ; '.repeat(140_000) + 'c=7' }) + '\n'),
      expect: { pairs: 0, errors: [{ line: 1, message: 'more than the limit of 262144' }] },
    },
    {
      name: 'too-many-lines',
      bytes: () => enc('{}\n'.repeat(100_001)),
      expect: {
        pairs: 0,
        errors: [{ line: 100_001, message: 'file has 100001 lines, more than the limit of 100000' }],
        last: { line: 168, message: 'stopped reading at line 168 after 1000 errors; fix those first' },
      },
    },
    {
      name: 'a-million-errors',
      bytes: () => enc('{"id": 1}\n'.repeat(50_000)),
      expect: {
        pairs: 0,
        errors: [{ line: 1, message: 'field "id" must be a string' }],
        last: { line: 168, message: 'stopped reading at line 168 after 1000 errors; fix those first' },
      },
    },
    {
      name: 'deep-nesting',
      bytes: () => enc('['.repeat(200_000) + ']'.repeat(200_000) + '\n'),
      expect: { pairs: 0, errors: [{ line: 1, message: '' }] },
    },
    {
      name: 'ansi-and-bidi-in-ids',
      bytes: () => enc([good({ id: '\u001b[2J\u202eevil' }), good({ id: '\u001b[2J\u202eevil' })].join('\n')),
      expect: { pairs: 1, errors: [{ line: 2, message: 'duplicate id' }] },
      browser: true,
    },
    {
      name: 'png-7000x7000',
      bytes: () => enc(imageRow({ png: craftedPng(7000, 7000, 64) }) + '\n'),
      expect: { pairs: 0, errors: [{ line: 1, message: 'image must be 24x24 (got 7000x7000)' }] },
      browser: true,
    },
    {
      name: 'png-zlib-bomb-labelled-24x24',
      bytes: () => enc(imageRow({ png: craftedPng(24, 24, 150_000) }) + '\n'),
      expect: { pairs: 0, errors: [{ line: 1, message: 'more than a 24x24 image needs' }] },
    },
    {
      name: 'png-16-bit-grey',
      bytes: () =>
        enc(
          imageRow({
            png: bytesToBase64(encode({ width: 24, height: 24, data: new Uint16Array(576), channels: 1, depth: 16 })),
          }) + '\n',
        ),
      expect: { pairs: 0, errors: [{ line: 1, message: 'PNG must be 8-bit RGB or RGBA' }] },
    },
    {
      name: 'png-not-base64',
      bytes: () => enc(imageRow({ png: '%%%' }) + '\n'),
      expect: { pairs: 0, errors: [{ line: 1, message: 'not valid base64' }] },
    },
    {
      name: 'identical-contexts-and-equal-answers',
      bytes: () => enc([good({ negative: 'c=3 ; c=7' }), good({ id: 'p2', negative_answer: '7' })].join('\n')),
      expect: {
        pairs: 0,
        errors: [
          { line: 1, message: 'positive and negative contexts are identical' },
          { line: 2, message: 'negative_answer equals answer' },
        ],
      },
    },
    {
      name: 'wrong-types-everywhere',
      bytes: () =>
        enc(JSON.stringify({ id: 1, domain: 'audio', query: [], answer: null, positive: 5, negative: {} }) + '\n'),
      expect: { pairs: 0, errors: [{ line: 1, message: 'must be' }] },
    },
  ];
}

export interface HostileUrl {
  query: string;
  /** Substrings every one of which a warning must contain (one warning each, in order). */
  warnings: string[];
}

export const HOSTILE_URLS: HostileUrl[] = [
  { query: 'v=1&domain=bogus', warnings: ['domain must be one of trace, document, image (got "bogus")'] },
  { query: 'v=1&domain=%3Cscript%3Ealert(1)%3C%2Fscript%3E', warnings: ['(got "<script>alert(1)</script>")'] },
  {
    query: 'v=1&constructor=1&toString=2&valueOf=3&__proto__=4',
    warnings: ['"constructor"', '"toString"', '"valueOf"', '"__proto__"'],
  },
  { query: 'preset=bogus', warnings: ['unknown preset "bogus"'] },
  { query: 'preset=__proto__', warnings: ['unknown preset "__proto__"'] },
  { query: 'v=1&probePairs=100000', warnings: ['probePairs must be an integer in [0, 1000] (got 100000)'] },
  { query: 'v=1&evalItems=1e9', warnings: ['evalItems must be an integer in [1, 2000]'] },
  {
    query: 'v=1&groupSize=NaN&seed=Infinity',
    warnings: ['groupSize: not a number: "NaN"', 'seed: not a number: "Infinity"'],
  },
  { query: 'v=1&k.steps=100000', warnings: ['knobs.steps must be in [2, 80] (got 100000)'] },
  {
    query: 'v=1&k.__proto__=1&k.constructor=2',
    warnings: ['unknown knob "__proto__"', 'unknown knob "constructor" for domain trace ignored'],
  },
  { query: 'v=1&k.depth=%1B%5B2J', warnings: ['knobs.depth must be one of'] },
  { query: 'v=99&seed=4', warnings: ['URL format version 99 is not 1'] },
  { query: 'v=1&evalEvery=5000', warnings: ['evalEvery must be <= steps'] },
  { query: `v=1&method=${'x'.repeat(100_000)}`, warnings: ['method must be one of'] },
];
