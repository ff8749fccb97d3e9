/**
 * Small programs for the trace domain: variables a..e, values 0..9 (arithmetic mod 10),
 * assignments, additions, copies, conditionals and loops with small bounds, plus tool-log noise
 * lines. The generator plants the decisive evidence at the requested depth and position:
 *   lookup  - the queried variable is assigned twice; the LAST assignment is the answer.
 *   compare - a conditional `if x<y then q=T else q=E` decides the answer.
 *   chain   - `q=r` copies r, which was assigned twice before; r's last value is the answer.
 * Distractor statements only read and write the other variables, so they never move the answer.
 */
import type { Rng } from '../rng.ts';
import { ADD_STEPS, noiseLine, VARS, type Var } from './vocab.ts';

export type Depth = 'lookup' | 'compare' | 'chain';
export const DEPTHS: readonly Depth[] = ['lookup', 'compare', 'chain'];
export type Position = 'any' | 'early' | 'middle' | 'late';
export const POSITIONS: readonly Position[] = ['any', 'early', 'middle', 'late'];

export type Stmt =
  | { op: 'set'; v: Var; value: number }
  | { op: 'add'; v: Var; k: number }
  | { op: 'copy'; v: Var; src: Var }
  | { op: 'if'; x: Var; y: Var; cmp: '<' | '>'; v: Var; then: number; else: number }
  | { op: 'loop'; v: Var; k: number; times: number }
  | { op: 'noise'; words: string[] };

/** A token of one statement's line; `token: null` means the whole line. */
export interface Ref {
  stmt: number;
  token: number | null;
}

export interface Program {
  depth: Depth;
  query: Var;
  stmts: Stmt[];
  /** Where the answer is decided, for RL items. */
  itemRefs: Ref[];
  /** The tokens a hard pair changes (two swapped assignments, or one condition). */
  pairRefs: Ref[];
  /** Same depth and sizes. */
  template: string;
}

export interface TraceKnobs {
  steps: number;
  noise: number;
  vars: number;
  depth: Depth;
  position: Position;
  shortcut: number;
}

/** Fewest variables each depth needs, one distractor variable included. */
const MIN_VARS: Record<Depth, number> = { lookup: 2, chain: 3, compare: 4 };

function decisiveIndex(rng: Rng, position: Position, lo: number, hi: number): number {
  const n = hi + 1;
  const at = (f: number) => Math.min(hi, Math.max(lo, Math.floor(f * n)));
  if (position === 'early') return rng.int(lo, at(1 / 3));
  if (position === 'middle') return rng.int(at(1 / 3), at(2 / 3));
  if (position === 'late') return rng.int(at(2 / 3), hi);
  return rng.int(lo, hi);
}

const otherDigit = (rng: Rng, not: number) => (not + rng.int(1, 9)) % 10;

/** Distractor statements in the free slots, over the unprotected variables only. */
function fillDistractors(rng: Rng, slots: (Stmt | null)[], free: Var[]): void {
  const assigned = new Set<Var>();
  for (let i = 0; i < slots.length; i++) {
    if (slots[i]) continue;
    const done = free.filter((v) => assigned.has(v));
    const r = rng.float();
    let s: Exclude<Stmt, { op: 'noise' }>;
    if (done.length >= 1 && r < 0.15) s = { op: 'add', v: rng.pick(done), k: rng.pick(ADD_STEPS) };
    else if (done.length >= 1 && r < 0.25) s = { op: 'loop', v: rng.pick(done), k: 1, times: rng.int(2, 3) };
    else if (done.length >= 2 && r < 0.35) {
      const [v, src] = rng.sample(done, 2);
      s = { op: 'copy', v, src };
    } else if (done.length >= 2 && r < 0.45) {
      const [x, y] = rng.sample(done, 2);
      const t = rng.int(0, 9);
      s = { op: 'if', x, y, cmp: rng.pick(['<', '>'] as const), v: rng.pick(free), then: t, else: otherDigit(rng, t) };
    } else s = { op: 'set', v: rng.pick(free), value: rng.int(0, 9) };
    assigned.add(s.v);
    slots[i] = s;
  }
}

/**
 * One program. `wantShortcut`: should the queried variable's first assignment (the cheap cue)
 * equal its final value? `ask`: the variable to ask about (easy pairs ask C- the anchor's question).
 */
export function generateProgram(rng: Rng, k: TraceKnobs, wantShortcut: boolean, ask?: Var): Program {
  const nv = Math.min(VARS.length, Math.max(MIN_VARS[k.depth], Math.round(k.vars)));
  const vars = VARS.slice(0, nv);
  const steps = Math.max(k.depth === 'lookup' ? 2 : 3, Math.round(k.steps));
  const q = ask && vars.includes(ask) ? ask : rng.pick(vars);
  // Chain depth needs two slots for the copied variable, plus one for the cue when there is room.
  const lo = k.depth === 'lookup' ? 1 : k.depth === 'chain' && steps >= 4 ? 3 : 2;
  const d = decisiveIndex(rng, k.position, lo, steps - 1);
  const slots: (Stmt | null)[] = new Array(steps).fill(null);
  const freeBefore = (count: number) =>
    rng
      .sample(
        [...Array(d).keys()].filter((i) => !slots[i]),
        count,
      )
      .sort((a, b) => a - b);
  const others = vars.filter((v) => v !== q);
  let protect: Var[] = [q];
  let itemRefs: Ref[];
  let pairRefs: Ref[];
  /** The queried variable's optional first assignment, placed before the decisive line. */
  const priorSet = (answer: number) => {
    const [f] = freeBefore(1);
    if (f !== undefined) slots[f] = { op: 'set', v: q, value: wantShortcut ? answer : otherDigit(rng, answer) };
    return f !== undefined;
  };

  if (k.depth === 'lookup') {
    const [f] = freeBefore(1);
    const last = rng.int(0, 9);
    slots[f] = { op: 'set', v: q, value: wantShortcut ? last : otherDigit(rng, last) };
    slots[d] = { op: 'set', v: q, value: last };
    itemRefs = [{ stmt: d, token: 0 }];
    pairRefs = [
      { stmt: f, token: 0 },
      { stmt: d, token: 0 },
    ];
  } else if (k.depth === 'compare') {
    const [x, y] = rng.sample(others, 2);
    const [ix, iy] = rng.shuffle(freeBefore(2));
    const X = rng.int(0, 9);
    const Y = otherDigit(rng, X);
    slots[ix] = { op: 'set', v: x, value: X };
    slots[iy] = { op: 'set', v: y, value: Y };
    const T = rng.int(0, 9);
    const E = otherDigit(rng, T);
    let cmp = rng.pick(['<', '>'] as const);
    // Without room for a prior assignment the first `q=` token is the then-branch: that is the
    // cue, so the comparison decides whether it gives the answer away.
    const room = [...Array(d).keys()].some((i) => !slots[i]);
    if (!room) cmp = X < Y === wantShortcut ? '<' : '>';
    const taken = cmp === '<' ? X < Y : X > Y;
    if (room) priorSet(taken ? T : E);
    slots[d] = { op: 'if', x, y, cmp, v: q, then: T, else: E };
    protect = [q, x, y];
    itemRefs = [
      { stmt: d, token: null },
      { stmt: ix, token: 0 },
      { stmt: iy, token: 0 },
    ];
    pairRefs = [{ stmt: d, token: 1 }];
  } else {
    const r = rng.pick(others);
    const [i1, i2] = freeBefore(2);
    const R2 = rng.int(0, 9);
    slots[i1] = { op: 'set', v: r, value: otherDigit(rng, R2) };
    slots[i2] = { op: 'set', v: r, value: R2 };
    slots[d] = { op: 'copy', v: q, src: r };
    priorSet(R2);
    protect = [q, r];
    itemRefs = [
      { stmt: d, token: 0 },
      { stmt: i2, token: 0 },
    ];
    pairRefs = [
      { stmt: i1, token: 0 },
      { stmt: i2, token: 0 },
    ];
  }
  fillDistractors(
    rng,
    slots,
    vars.filter((v) => !protect.includes(v)),
  );

  // Noise lines go between statements; remap the references to the final line indices.
  const noiseAt = new Array(steps + 1).fill(0);
  for (let i = 0; i < k.noise; i++) noiseAt[rng.int(0, steps)]++;
  const stmts: Stmt[] = [];
  const where: number[] = [];
  for (let i = 0; i <= steps; i++) {
    for (let j = 0; j < noiseAt[i]; j++) stmts.push({ op: 'noise', words: noiseLine(rng) });
    if (i < steps) {
      where.push(stmts.length);
      stmts.push(slots[i] as Stmt);
    }
  }
  const remap = (refs: Ref[]) => refs.map((r) => ({ stmt: where[r.stmt], token: r.token }));
  return {
    depth: k.depth,
    query: q,
    stmts,
    itemRefs: remap(itemRefs),
    pairRefs: remap(pairRefs),
    template: `${k.depth}/${steps}/${nv}/${k.noise}`,
  };
}

/** Variables and line structure: the op and variables of every line, noise lines as `noise`. */
export function structureOf(p: Program): string {
  return p.stmts
    .map((s) => {
      switch (s.op) {
        case 'set':
        case 'add':
        case 'loop':
          return `${s.op}:${s.v}`;
        case 'copy':
          return `copy:${s.v},${s.src}`;
        case 'if':
          return `if:${s.x},${s.y},${s.v}`;
        case 'noise':
          return 'noise';
      }
    })
    .join(' ');
}
