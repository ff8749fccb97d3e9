/** docs/ARCHITECTURE.md lists the value imports between layers; the code must have exactly those. */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '..');
const src = path.join(root, 'src');

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? files(p) : /\.tsx?$/.test(e.name) ? [p] : [];
  });
}

/** The layer of a path: its first folder under src/ (engine/kernels belongs to the engine). */
const layerOf = (p: string) => path.relative(src, p).split(path.sep)[0];

/** "a -> b" for every value import (static, re-export or dynamic) from layer a into another layer b. */
export function valueArrows(): Set<string> {
  const out = new Set<string>();
  for (const f of files(src)) {
    const code = readFileSync(f, 'utf8');
    const specs = [
      ...[...code.matchAll(/^\s*(?:import|export)\s+(?!type\s)[^'";]*?from\s+'(\.[^']+)'/gm)].map((m) => m[1]),
      ...[...code.matchAll(/^\s*import\s+'(\.[^']+)'/gm)].map((m) => m[1]),
      ...[...code.matchAll(/\bimport\(\s*'(\.[^']+)'\s*\)/g)].map((m) => m[1]),
    ];
    for (const s of specs) {
      const target = path.resolve(path.dirname(f), s);
      if (!target.startsWith(src + path.sep)) continue;
      const a = layerOf(f);
      const b = layerOf(target);
      if (a !== b && !a.includes('.') && !b.includes('.')) out.add(`${a} -> ${b}`);
    }
  }
  return out;
}

describe('docs/ARCHITECTURE.md', () => {
  it('lists exactly the value imports between layers that the code has', () => {
    const doc = readFileSync(path.join(root, 'docs/ARCHITECTURE.md'), 'utf8');
    const block = /```arrows\n([\s\S]*?)```/.exec(doc)?.[1] ?? '';
    const listed = new Set(block.split('\n').filter((l) => l.trim()));
    expect([...valueArrows()].sort()).toEqual([...listed].sort());
  });

  it('type-only imports do not count as arrows (the page may import engine types)', () => {
    expect(valueArrows().has('ui -> engine')).toBe(false);
    expect(valueArrows().has('store -> runtime')).toBe(false);
  });
});
