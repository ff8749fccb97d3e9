/**
 * The pair verifier: a candidate pair is kept only when no cheap cue separates C+ from C-.
 * Every rejection names its reason (the paper's funnel). Checks, in order:
 *   identical-contexts, equal-answers, formatting-differs, length-disparity,
 *   differs-outside-decisive, answer-leak (text), similarity-below-threshold (similarity pairs).
 * 'easy' pairs differ obviously by design: only the first two checks apply to them.
 */
import type { DecisiveSpan, Pair, RGBImage, RejectionReason } from './types.ts';
import { formatSignature, mentions } from './text.ts';
import { imageSimilarity } from './image/embed.ts';

export interface VerifyOptions {
  /** Largest allowed |len(C+) - len(C-)| / max(len), text contexts. */
  maxLengthRatio: number;
  /** Smallest allowed embedding cosine for similarity-search pairs (meta.method === 'similar'). */
  similarityThreshold: number;
}

export const DEFAULT_VERIFY_OPTIONS: VerifyOptions = { maxLengthRatio: 0.05, similarityThreshold: 0.85 };

export type Check = { reason: RejectionReason; detail: string } | null;
export type Verdict = { ok: true } | { ok: false; reason: RejectionReason; detail: string };

const fail = (reason: RejectionReason, detail: string): Check => ({ reason, detail });

export function checkFormat(a: string, b: string): Check {
  const sa = formatSignature(a);
  const sb = formatSignature(b);
  if (sa === sb) return null;
  const ta = sa.split(' ');
  const tb = sb.split(' ');
  if (ta.length !== tb.length) return fail('formatting-differs', `token counts differ (${ta.length} vs ${tb.length})`);
  const i = ta.findIndex((t, k) => t !== tb[k]);
  return fail('formatting-differs', `layout differs at token ${i} (${ta[i]} vs ${tb[i]})`);
}

export function checkLength(a: string, b: string, maxRatio: number): Check {
  const ratio = Math.abs(a.length - b.length) / Math.max(1, a.length, b.length);
  return ratio > maxRatio
    ? fail('length-disparity', `lengths ${a.length} and ${b.length} differ by ${(100 * ratio).toFixed(1)}%`)
    : null;
}

function textSpans(spans: DecisiveSpan[], len: number): { start: number; end: number }[] | null {
  const out: { start: number; end: number }[] = [];
  for (const s of spans) {
    if (s.kind !== 'text' || s.start < 0 || s.end > len || s.start > s.end) return null;
    out.push({ start: s.start, end: s.end });
  }
  out.sort((x, y) => x.start - y.start);
  return out.every((s, i) => i === 0 || s.start >= out[i - 1].end) ? out : null;
}

/** The parts of the two texts outside their decisive spans (paired in order) must be equal. */
export function checkTextOutside(a: string, b: string, da: DecisiveSpan[], db: DecisiveSpan[]): Check {
  const sa = textSpans(da, a.length);
  const sb = textSpans(db, b.length);
  if (!sa || !sb) return fail('differs-outside-decisive', 'decisive spans are malformed or overlap');
  if (sa.length !== sb.length)
    return fail('differs-outside-decisive', `span counts differ (${sa.length} vs ${sb.length})`);
  const outside = (t: string, ss: { start: number; end: number }[]) => {
    const parts: string[] = [];
    let at = 0;
    for (const s of ss) {
      parts.push(t.slice(at, s.start));
      at = s.end;
    }
    parts.push(t.slice(at));
    return parts;
  };
  const pa = outside(a, sa);
  const pb = outside(b, sb);
  const i = pa.findIndex((p, k) => p !== pb[k]);
  return i < 0 ? null : fail('differs-outside-decisive', `contexts differ outside the decisive spans (segment ${i})`);
}

/** Each answer must be mentioned by both contexts or by neither: no string cue. */
export function checkLeak(a: string, b: string, answers: string[]): Check {
  for (const ans of answers) {
    const ma = mentions(a, ans);
    if (ma !== mentions(b, ans)) return fail('answer-leak', `"${ans}" appears only in ${ma ? 'C+' : 'C-'}`);
  }
  return null;
}

function sameBytes(a: RGBImage, b: RGBImage): boolean {
  if (a.data.length !== b.data.length) return false;
  for (let i = 0; i < a.data.length; i++) if (a.data[i] !== b.data[i]) return false;
  return true;
}

/** No pixel outside the union of decisive regions may differ. */
export function checkImageOutside(a: RGBImage, b: RGBImage, regions: DecisiveSpan[]): Check {
  const rects = regions.filter((r) => r.kind === 'region');
  if (rects.length !== regions.length) return fail('differs-outside-decisive', 'an image pair has a text span');
  for (let y = 0; y < a.height; y++) {
    for (let x = 0; x < a.width; x++) {
      if (rects.some((r) => r.kind === 'region' && x >= r.x && x < r.x + r.w && y >= r.y && y < r.y + r.h)) continue;
      const o = (y * a.width + x) * 3;
      if (a.data[o] !== b.data[o] || a.data[o + 1] !== b.data[o + 1] || a.data[o + 2] !== b.data[o + 2]) {
        return fail('differs-outside-decisive', `pixel (${x}, ${y}) differs outside the decisive regions`);
      }
    }
  }
  return null;
}

function verifyImages(pair: Pair, a: RGBImage, b: RGBImage, o: VerifyOptions): Check {
  if (a.width !== b.width || a.height !== b.height || a.data.length !== b.data.length) {
    return fail('formatting-differs', `image sizes differ (${a.width}x${a.height} vs ${b.width}x${b.height})`);
  }
  if (sameBytes(a, b)) return fail('identical-contexts', 'the two images are identical');
  if (pair.answer === pair.negativeAnswer) return fail('equal-answers', `both contexts answer "${pair.answer}"`);
  if (pair.hardness === 'easy') return null;
  const outside = checkImageOutside(a, b, [...pair.decisivePositive, ...pair.decisiveNegative]);
  if (outside) return outside;
  if (pair.meta.method === 'similar') {
    const cos = imageSimilarity(a, b);
    if (cos < o.similarityThreshold)
      return fail('similarity-below-threshold', `cosine ${cos.toFixed(3)} < ${o.similarityThreshold}`);
  }
  return null;
}

function verifyTexts(pair: Pair, a: string, b: string, o: VerifyOptions): Check {
  if (a === b) return fail('identical-contexts', 'the two contexts are identical');
  if (pair.answer === pair.negativeAnswer) return fail('equal-answers', `both contexts answer "${pair.answer}"`);
  if (pair.hardness === 'easy') return null;
  return (
    checkFormat(a, b) ??
    checkLength(a, b, o.maxLengthRatio) ??
    checkTextOutside(a, b, pair.decisivePositive, pair.decisiveNegative) ??
    checkLeak(a, b, [pair.answer, pair.negativeAnswer])
  );
}

export function verifyPair(pair: Pair, opts: Partial<VerifyOptions> = {}): Verdict {
  const o = { ...DEFAULT_VERIFY_OPTIONS, ...opts };
  const { positive: a, negative: b } = pair;
  let c: Check;
  if (typeof a === 'string' && typeof b === 'string') c = verifyTexts(pair, a, b, o);
  else if (typeof a !== 'string' && typeof b !== 'string') c = verifyImages(pair, a, b, o);
  else c = fail('formatting-differs', 'one context is text and the other an image');
  return c ? { ok: false, reason: c.reason, detail: c.detail } : { ok: true };
}
