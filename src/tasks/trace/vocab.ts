/**
 * The trace domain's vocabulary. A fact is ONE token: `c=7` (set),
 * `d=a` (copy), `b+=2` (add), `a<b` (condition) are single vocabulary entries, so finding the
 * value of a variable is one attention hop for a small model.
 */
import type { Rng } from '../rng.ts';

export const VARS = ['a', 'b', 'c', 'd', 'e'] as const;
export type Var = (typeof VARS)[number];
export const DIGITS = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'] as const;
export const ADD_STEPS = [1, 2, 3] as const;
export const LINE_SEP = ';';
export const QUERY_WORD = 'final';

/** Tool-log noise lines: commands and their output, none of them touching a variable. */
const NOISE_TEMPLATES: readonly (readonly string[])[] = [
  ['$', 'ls', 'src', 'tests'],
  ['$', 'ls', 'docs'],
  ['$', 'git', 'status', 'clean'],
  ['$', 'make', 'build', 'ok'],
  ['$', 'cat', 'main.py'],
  ['$', 'pip', 'install', 'ok'],
  ['warn', 'unused', 'import'],
  ['$', 'pytest', '#', 'passed'],
  ['$', 'pytest', '#', 'failed'],
  ['exit', '#'],
  ['lint', 'ok'],
  ['$', 'cd', 'src'],
];

export function noiseLine(rng: Rng): string[] {
  return rng.pick(NOISE_TEMPLATES).map((t) => (t === '#' ? rng.pick(DIGITS) : t));
}

export const set = (v: string, d: number | string) => `${v}=${d}`;

export function traceVocabulary(): string[] {
  const out = new Set<string>([...VARS, ...DIGITS, LINE_SEP, QUERY_WORD, 'if', 'then', 'else', 'loop']);
  for (const v of VARS) {
    for (const d of DIGITS) out.add(set(v, d));
    for (const k of ADD_STEPS) out.add(`${v}+=${k}`);
    for (const w of VARS) {
      if (w === v) continue;
      out.add(`${v}=${w}`);
      out.add(`${v}<${w}`);
      out.add(`${v}>${w}`);
    }
  }
  for (const t of NOISE_TEMPLATES) for (const w of t) if (w !== '#') out.add(w);
  return [...out].sort();
}
