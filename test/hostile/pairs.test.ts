/** Every hostile pair file gets its expected outcome from the importer and from `npm run data -- validate`. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/data.ts';
import { formatJsonlError, parsePairsJsonl } from '../../src/tasks/index.ts';
import { hostilePairFiles } from './inputs.ts';

const dir = mkdtempSync(join(tmpdir(), 'contextrl-hostile-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('hostile pair files', () => {
  it.each(hostilePairFiles().map((f) => [f.name, f] as const))('%s', (name, f) => {
    const before = Object.keys(Object.prototype);
    const r = parsePairsJsonl(f.bytes(), { keepValid: true });
    expect(r.pairs.length).toBe(f.expect.pairs);
    if (f.expect.errors.length === 0) expect(r.errors).toEqual([]);
    for (const [i, e] of f.expect.errors.entries()) {
      expect(r.errors[i], `${name}: error ${i}`).toBeDefined();
      expect(r.errors[i].line).toBe(e.line);
      expect(r.errors[i].message).toContain(e.message);
    }
    if (f.expect.last) expect(r.errors.at(-1)).toEqual(f.expect.last);
    // Nothing leaks into Object.prototype, whatever the keys.
    expect(Object.keys(Object.prototype)).toEqual(before);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();

    // The CLI says the same, with nothing unprintable on the terminal.
    const file = join(dir, `${name}.jsonl`);
    writeFileSync(file, f.bytes());
    const out: string[] = [];
    const log = vi.spyOn(console, 'log').mockImplementation((...a) => void out.push(a.join(' ')));
    const err = vi.spyOn(console, 'error').mockImplementation((...a) => void out.push(a.join(' ')));
    let code: number;
    try {
      code = main(['validate', file]);
    } finally {
      log.mockRestore();
      err.mockRestore();
    }
    expect(code).toBe(r.errors.length ? 1 : 0);
    const text = out.join('\n');
    // eslint-disable-next-line no-control-regex -- asserting that none reach the terminal
    expect(text).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/);
    for (const e of r.errors.slice(0, 3)) expect(text).toContain(formatJsonlError(e).slice(0, 20));
  });
});
