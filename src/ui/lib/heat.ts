/**
 * Pure helpers of the grounding view: attribution -> display heat, text segments with heat and the
 * decisive runs, and the colours. No React, so tests read them directly.
 */
import type { ContextLayout, TokenRange } from '../../engine/grounding.ts';

/** Per context token/patch: its attribution, scaled so the largest over `contexts` is 1 (shared scale for C+ and C-). */
export function displayHeat(contexts: ContextLayout[], scores: number[]): number[][] {
  const raw = contexts.map((c) => c.positions.map((p) => Math.max(0, scores[p] ?? 0)));
  const max = Math.max(0, ...raw.flat());
  return raw.map((xs) => xs.map((x) => (max > 0 ? x / max : 0)));
}

export interface HeatSegment {
  start: number;
  end: number;
  text: string;
  /** Token index into the context's tokens; undefined for the whitespace between tokens. */
  token?: number;
  heat: number;
}

/** A run of segments, outlined when it covers decisive tokens (whitespace between them included). */
export interface HeatRun {
  decisive: boolean;
  segments: HeatSegment[];
}

/** The context text cut at its tokens, grouped into runs of decisive and other tokens. */
export function heatRuns(text: string, ranges: TokenRange[], heat: number[], decisive: number[]): HeatRun[] {
  const dec = new Set(decisive);
  const runs: HeatRun[] = [];
  const push = (seg: HeatSegment, isDecisive: boolean) => {
    const last = runs[runs.length - 1];
    if (last && last.decisive === isDecisive) last.segments.push(seg);
    else runs.push({ decisive: isDecisive, segments: [seg] });
  };
  let at = 0;
  ranges.forEach((r, i) => {
    if (r.start > at) {
      // A gap joins the decisive run only when the tokens on both sides are decisive.
      push({ start: at, end: r.start, text: text.slice(at, r.start), heat: 0 }, dec.has(i) && dec.has(i - 1));
    }
    push({ start: r.start, end: r.end, text: text.slice(r.start, r.end), token: i, heat: heat[i] ?? 0 }, dec.has(i));
    at = Math.max(at, r.end);
  });
  if (at < text.length) push({ start: at, end: text.length, text: text.slice(at), heat: 0 }, false);
  return runs;
}

/** The heat colour: transparent at 0, a saturated orange-red at 1. */
export function heatColor(h: number): string {
  const a = Math.min(1, Math.max(0, h));
  return `rgba(234, 88, 12, ${(0.85 * a).toFixed(3)})`;
}

export const DECISIVE_OUTLINE = '#2563eb';

export function formatShare(x: number): string {
  return Number.isFinite(x) ? `${(100 * x).toFixed(1)}%` : 'n/a';
}
