/**
 * The page never loads tfjs: the code the page's entry loads statically (its chunk and every chunk
 * that chunk imports, not the main-thread fallback's lazy imports) holds no tfjs code. Reads the
 * production build that `npm run test:e2e` makes; an engine value import in a panel fails it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const dist = path.resolve(import.meta.dirname, '../../dist');
/** Strings only tfjs-core carries: its flag registry and its kernel registry's messages. */
const TFJS_MARKERS = ['IS_BROWSER', 'WEBGL_VERSION', 'is already registered'];

/** The entry chunk and everything it imports statically, by file name. */
function staticGraph(dir: string, entry: string): Map<string, string> {
  const seen = new Map<string, string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    const code = readFileSync(path.join(dir, file), 'utf8');
    seen.set(file, code);
    // import{..}from"./x.js" and import"./x.js"; dynamic import("./x.js") is lazy and not followed.
    for (const m of code.matchAll(/(?:\bfrom|\bimport)\s*"(\.\/[^"]+\.js)"/g))
      visit(path.join(path.dirname(file), m[1]));
  };
  visit(entry);
  return seen;
}

describe("the page's entry chunk", () => {
  it('loads no tfjs code', () => {
    const html = readFileSync(path.join(dist, 'index.html'), 'utf8');
    const src = /<script type="module"[^>]*src="\/?([^"]+)"/.exec(html)?.[1];
    expect(src, 'dist/index.html names its entry script').toBeTruthy();
    const graph = staticGraph(dist, src!);
    expect(graph.size).toBeGreaterThan(0);
    const offenders = [...graph].filter(([, code]) => TFJS_MARKERS.some((m) => code.includes(m))).map(([f]) => f);
    expect(offenders, `chunks loaded at page start that contain tfjs: ${offenders.join(', ')}`).toEqual([]);
  });

  it('the markers do find tfjs where it is: the trainer worker', () => {
    const worker = readdirSync(path.join(dist, 'assets')).find((f) => /^worker-.*\.js$/.test(f));
    expect(worker).toBeTruthy();
    const code = readFileSync(path.join(dist, 'assets', worker!), 'utf8');
    expect(TFJS_MARKERS.every((m) => code.includes(m))).toBe(true);
  });
});
