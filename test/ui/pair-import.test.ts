/** The page's pairs import: size checked before reading, progress while parsing. */
import { describe, expect, it, vi } from 'vitest';
import {
  importPairsFile,
  MAX_PAIRS_FILE_BYTES,
  nextSlice,
  pairStream,
  type FromPairsWorker,
} from '../../src/ui/lib/pairImport.ts';
import { domains, pairsToJsonl } from '../../src/tasks/index.ts';

describe('importPairsFile', () => {
  it('a file over the limit is refused from its length, before a byte is read', async () => {
    const arrayBuffer = vi.fn(async () => new ArrayBuffer(0));
    const r = await importPairsFile({ size: MAX_PAIRS_FILE_BYTES + 1, arrayBuffer });
    expect(arrayBuffer).not.toHaveBeenCalled();
    expect(r.pairs).toEqual([]);
    expect(r.errors).toEqual([
      { line: 0, message: expect.stringMatching(/^the file is 64\.0 MB, more than the 64\.0 MB the page imports/) },
    ]);
  });

  it('parses with progress reports every 1000 lines and at the end', async () => {
    const { pairs } = domains.trace.pairs(3, 30, {});
    const text = Array.from({ length: 2500 }, (_, i) => pairsToJsonl([{ ...pairs[i % 30], id: `p${i}` }])).join('');
    const bytes = new TextEncoder().encode(text);
    const seen: [number, number][] = [];
    const r = await importPairsFile({ size: bytes.length, arrayBuffer: async () => bytes.buffer.slice(0) }, (d, t) =>
      seen.push([d, t]),
    );
    expect(r.errors).toEqual([]);
    expect(r.pairs).toHaveLength(2500);
    expect(seen).toEqual([
      [0, 2500],
      [1000, 2500],
      [2000, 2500],
      [2500, 2500],
    ]);
  });
});

describe('the hand-over of pairs from the worker', () => {
  it('sizes the next slice so that receiving it takes about 8 ms, never more than doubling', () => {
    expect(nextSlice(500, 40)).toBe(100); // 500 pairs took 40 ms: 100 take 8
    expect(nextSlice(500, 4)).toBe(1000); // would be 1000 by time; doubling allows 1000
    expect(nextSlice(500, 1)).toBe(1000); // 4000 by time, capped at twice the last slice
    expect(nextSlice(500, 0)).toBe(1000);
    expect(nextSlice(100, 400)).toBe(50); // never under 50
    expect(nextSlice(15_000, 2)).toBe(20_000); // never over 20,000
  });

  it('sends one slice per request, counts what was sent, then the closing message once', () => {
    const { pairs } = domains.trace.pairs(3, 7, {});
    const sent: FromPairsWorker[] = [];
    const next = pairStream(pairs, { type: 'done', errors: [] }, (m) => sent.push(m));
    expect(next(3)).toBe(true);
    expect(next(3)).toBe(true);
    expect(next(3)).toBe(true);
    expect(next(3)).toBe(false);
    expect(sent.map((m) => (m.type === 'pairs' ? [m.pairs.length, m.sent, m.total] : m.type))).toEqual([
      [3, 3, 7],
      [3, 6, 7],
      [1, 7, 7],
      'done',
    ]);
    const ids = sent.flatMap((m) => (m.type === 'pairs' ? m.pairs.map((p) => p.id) : []));
    expect(ids).toEqual(pairs.map((p) => p.id));
  });

  it('an empty set sends only the closing message', () => {
    const sent: FromPairsWorker[] = [];
    const next = pairStream([], { type: 'done', errors: [], missing: true }, (m) => sent.push(m));
    expect(next(500)).toBe(false);
    expect(sent).toEqual([{ type: 'done', errors: [], missing: true }]);
  });
});
