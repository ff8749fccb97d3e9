/** The page's pairs import: size checked before reading, progress while parsing. */
import { describe, expect, it, vi } from 'vitest';
import { importPairsFile, MAX_PAIRS_FILE_BYTES } from '../../src/ui/lib/pairImport.ts';
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
