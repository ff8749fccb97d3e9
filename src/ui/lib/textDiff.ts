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

/** Ranges of `a` removed and of `b` added when turning a into b (word granularity, whitespace kept). */
export function diffRanges(a: string, b: string): { a: Range[]; b: Range[] } {
  const ra: Range[] = [];
  const rb: Range[] = [];
  let ia = 0;
  let ib = 0;
  for (const part of diffWordsWithSpace(a, b)) {
    const n = part.value.length;
    if (part.removed) {
      push(ra, ia, ia + n);
      ia += n;
    } else if (part.added) {
      push(rb, ib, ib + n);
      ib += n;
    } else {
      ia += n;
      ib += n;
    }
  }
  return { a: ra, b: rb };
}

function push(rs: Range[], start: number, end: number): void {
  const last = rs[rs.length - 1];
  if (last && last.end === start) last.end = end;
  else rs.push({ start, end });
}

export interface Segment {
  text: string;
  start: number;
  changed: boolean;
  decisive: boolean;
}

/** Splits `text` at every boundary of `changed` and `decisive` ranges. */
export function segments(text: string, changed: Range[], decisive: Range[]): Segment[] {
  const cuts = new Set<number>([0, text.length]);
  for (const r of [...changed, ...decisive]) {
    cuts.add(clamp(r.start, text.length));
    cuts.add(clamp(r.end, text.length));
  }
  const pts = [...cuts].sort((x, y) => x - y);
  const out: Segment[] = [];
  for (let i = 0; i + 1 < pts.length; i++) {
    const s = pts[i];
    const e = pts[i + 1];
    if (e <= s) continue;
    const inside = (rs: Range[]) => rs.some((r) => r.start <= s && e <= r.end);
    out.push({ text: text.slice(s, e), start: s, changed: inside(changed), decisive: inside(decisive) });
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
