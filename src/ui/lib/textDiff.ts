/**
 * Word diff of C+ against C- as character ranges in each string, and segmentation of a context
 * into runs that are plain, changed (differs from the other context) and/or decisive (inside a
 * span the pair's metadata names). Rendering is left to React, as text.
 */
import { diffWordsWithSpace } from 'diff';
import type { DecisiveSpan } from '../../tasks/types.ts';

export interface Range {
  start: number;
  end: number;
}

/**
 * How many edits (words and whitespace runs) the word diff follows. Myers' diff costs about
 * (length x edits): unbounded, two long and very different contexts froze the page for tens of
 * seconds (30 s for 110 kB). The budget keeps length x edits under DIFF_WORK (measured: about
 * 0.1 s in Node on 2 shared cores, scripts/bench-budgets.ts), between 32 and 300 edits; past it
 * the differing middle is one changed block.
 */
export const DIFF_WORK = 1.5e7;
/** Myers explores about edits^2 diagonals whatever the length: 300 edits take about 50 ms. */
export const MAX_DIFF_EDITS = 300;
export function diffEditBudget(chars: number): number {
  return Math.max(32, Math.min(MAX_DIFF_EDITS, Math.floor(DIFF_WORK / Math.max(1, chars))));
}

export interface TextDiff {
  a: Range[];
  b: Range[];
  /** True when the contexts differ in more places than the word diff follows (diffEditBudget). */
  coarse?: boolean;
}

/** Backs `i` off to the start of the word it falls inside (so the prefix cut never splits a word). */
function wordStart(s: string, i: number): number {
  while (i > 0 && i < s.length && !/\s/.test(s[i - 1]) && !/\s/.test(s[i])) i--;
  return i;
}

/**
 * Ranges of `a` removed and of `b` added when turning a into b (word granularity, whitespace kept).
 * The common prefix and suffix are cut off first (linear; a pair usually differs in one spot), and
 * the word diff of the rest stops at maxEdits (diffEditBudget of its length), marking the whole
 * middle as changed (coarse).
 */
export function diffRanges(a: string, b: string, maxEdits?: number): TextDiff {
  if (a === b) return { a: [], b: [] };
  let p = 0;
  const n = Math.min(a.length, b.length);
  while (p < n && a.charCodeAt(p) === b.charCodeAt(p)) p++;
  p = Math.min(wordStart(a, p), wordStart(b, p));
  let q = 0; // common suffix length, not reaching into the prefix
  while (q < n - p && a.charCodeAt(a.length - 1 - q) === b.charCodeAt(b.length - 1 - q)) q++;
  // Back the suffix off to a word boundary too.
  while (q > 0 && !/\s/.test(a[a.length - q]) && a.length - q - 1 >= p && !/\s/.test(a[a.length - q - 1])) q--;
  const midA = a.slice(p, a.length - q);
  const midB = b.slice(p, b.length - q);
  const ra: Range[] = [];
  const rb: Range[] = [];
  const budget = maxEdits ?? diffEditBudget(midA.length + midB.length);
  const parts = midA && midB ? diffWordsWithSpace(midA, midB, { maxEditLength: budget }) : undefined;
  if (!parts) {
    // One side is empty (a pure insertion) or the diff gave up: the middle is one change.
    if (midA) ra.push({ start: p, end: a.length - q });
    if (midB) rb.push({ start: p, end: b.length - q });
    return { a: ra, b: rb, ...(midA && midB ? { coarse: true } : {}) };
  }
  let ia = p;
  let ib = p;
  for (const part of parts) {
    const len = part.value.length;
    if (part.removed) {
      push(ra, ia, ia + len);
      ia += len;
    } else if (part.added) {
      push(rb, ib, ib + len);
      ib += len;
    } else {
      ia += len;
      ib += len;
    }
  }
  return { a: ra, b: rb };
}

export interface Segment {
  text: string;
  start: number;
  changed: boolean;
  decisive: boolean;
}

/**
 * Splits `text` at every boundary of `changed` and `decisive` ranges. Linear in the number of
 * boundaries (a sweep over sorted ends), so thousands of changes cost no more than their count.
 */
export function segments(text: string, changed: Range[], decisive: Range[]): Segment[] {
  const n = text.length;
  /** +1 where a range of the kind opens, -1 where it closes, per position. */
  const events = new Map<number, { c: number; d: number }>();
  const at = (i: number) => {
    let e = events.get(i);
    if (!e) events.set(i, (e = { c: 0, d: 0 }));
    return e;
  };
  at(0);
  at(n);
  for (const r of changed) {
    const s0 = clamp(r.start, n);
    const e0 = clamp(r.end, n);
    if (e0 <= s0) continue;
    at(s0).c++;
    at(e0).c--;
  }
  for (const r of decisive) {
    const s0 = clamp(r.start, n);
    const e0 = clamp(r.end, n);
    if (e0 <= s0) continue;
    at(s0).d++;
    at(e0).d--;
  }
  const pts = [...events.keys()].sort((x, y) => x - y);
  const out: Segment[] = [];
  let c = 0;
  let d = 0;
  for (let i = 0; i + 1 < pts.length; i++) {
    const s0 = pts[i];
    const e0 = pts[i + 1];
    const ev = events.get(s0)!;
    c += ev.c;
    d += ev.d;
    if (e0 <= s0) continue;
    out.push({ text: text.slice(s0, e0), start: s0, changed: c > 0, decisive: d > 0 });
  }
  return out;
}

function clamp(v: number, n: number): number {
  return Math.max(0, Math.min(n, v));
}

export function textSpans(spans: DecisiveSpan[]): Range[] {
  return spans.flatMap((s) => (s.kind === 'text' ? [{ start: s.start, end: s.end }] : []));
}

/** Trims whitespace off each range's ends so highlights hug the words (the word diff keeps spaces). */
export function trimRanges(text: string, rs: Range[]): Range[] {
  return rs
    .map((r) => {
      let { start, end } = r;
      while (start < end && /\s/.test(text[start])) start++;
      while (end > start && /\s/.test(text[end - 1])) end--;
      return { start, end };
    })
    .filter((r) => r.end > r.start);
}

function push(rs: Range[], start: number, end: number): void {
  const last = rs[rs.length - 1];
  if (last && last.end === start) last.end = end;
  else rs.push({ start, end });
}
