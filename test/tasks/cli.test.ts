import { afterAll, describe, expect, it, vi } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/data.ts';
import { parsePairsJsonl } from '../../src/tasks/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'contextrl-data-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(args: string[]): { code: number; out: string; err: string } {
  const out: string[] = [];
  const err: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...a) => void out.push(a.join(' ')));
  const error = vi.spyOn(console, 'error').mockImplementation((...a) => void err.push(a.join(' ')));
  try {
    return { code: main(args), out: out.join('\n'), err: err.join('\n') };
  } finally {
    log.mockRestore();
    error.mockRestore();
  }
}

describe('data CLI', () => {
  it('pairs writes JSON Lines and prints the funnel', () => {
    const file = join(dir, 'p.jsonl');
    const r = run(['pairs', '--domain', 'document', '--n', '10', '--seed', '3', '--out', file, '--knob', 'facts=5']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/candidates \d+/);
    expect(r.out).toMatch(/kept 10/);
    expect(parsePairsJsonl(readFileSync(file)).pairs).toHaveLength(10);
  });

  it('validate exits 0 for a valid file and non-zero with line-numbered errors otherwise', () => {
    const good = join(dir, 'p.jsonl');
    run(['pairs', '--domain', 'trace', '--n', '5', '--seed', '1', '--out', good]);
    expect(run(['validate', good]).code).toBe(0);
    const bad = join(dir, 'bad.jsonl');
    writeFileSync(bad, readFileSync(good, 'utf8') + '{"id": 3}\n');
    const r = run(['validate', bad]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/line 6, field id: field "id" must be a string/);
  });

  it('validate escapes control characters from the file: an id cannot clear the screen or fake a line', () => {
    const good = join(dir, 'p.jsonl');
    run(['pairs', '--domain', 'trace', '--n', '2', '--seed', '1', '--out', good]);
    const rows = readFileSync(good, 'utf8').trim().split('\n');
    const evil = '\u001b[2J\u001b[H' + 'x.jsonl: 1000 valid pair(s)\n\u202e';
    const bad = join(dir, 'ansi.jsonl');
    const first = JSON.parse(rows[0]);
    // Same id twice (an error that quotes it) and a much longer C- (a verifier note that quotes it).
    const longer = { ...first, id: `${evil}2`, negative: `${first.negative} ; a=1 ; b=2 ; c=3 ; d=4 ; a=5 ; b=6` };
    writeFileSync(
      bad,
      [{ ...first, id: evil }, { ...first, id: evil }, longer].map((r) => JSON.stringify(r)).join('\n'),
    );
    const r = run(['validate', bad]);
    const all = r.out + r.err;
    // eslint-disable-next-line no-control-regex -- asserting that none are printed
    expect(all).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f\u202e]/);
    expect(r.err).toContain('duplicate id "\\x1b[2J\\x1b[Hx.jsonl: 1000 valid pair(s)\\x0a\\u202e"');
    expect(r.out).toContain('note: pair \\x1b[2J');
    expect(all.split('\n').some((l) => l.startsWith('x.jsonl: 1000 valid'))).toBe(false);
  });

  it('bench writes one file per set and a manifest with the version', () => {
    const out = join(dir, 'bench');
    expect(run(['bench', '--out', out, '--size', '3', '--probe-size', '3']).code).toBe(0);
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
    expect(manifest.version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(manifest.sets).toHaveLength(17);
    expect(readFileSync(join(out, 'trace__hard.jsonl'), 'utf8').trim().split('\n')).toHaveLength(3);
    expect(parsePairsJsonl(readFileSync(join(out, 'probe__selection.jsonl'))).pairs).toHaveLength(3);
  });

  it.each([
    [[], /missing command/],
    [['frobnicate'], /unknown command frobnicate/],
    [['pairs', '--domain', 'audio', '--n', '3', '--out', 'x'], /--domain must be one of/],
    [['pairs', '--domain', 'trace', '--out', 'x'], /missing --n/],
    [['pairs', '--domain', 'trace', '--n', 'many', '--out', 'x'], /--n must be a non-negative integer/],
    [
      ['pairs', '--domain', 'trace', '--n', '3', '--out', 'x', '--knob', 'depth=deep'],
      /knob trace.depth must be one of/,
    ],
    [['validate'], /exactly one FILE/],
  ])('bad arguments %j print usage and exit 2', (args, message) => {
    const r = run(args as string[]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
    expect(r.err).toMatch(/usage:/);
  });
});
