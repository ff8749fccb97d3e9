/** Helpers for whitespace-tokenized text contexts: token offsets, string cues, format signatures. */
import type { DecisiveSpan } from './types.ts';

export interface TextSpan {
  start: number;
  end: number;
}

/** Join lines of tokens into one context string; lines are separated by `sep` (a token). */
export function joinLines(
  lines: string[][],
  sep: string,
): { text: string; spans: TextSpan[][]; lineSpans: TextSpan[] } {
  const spans: TextSpan[][] = [];
  const lineSpans: TextSpan[] = [];
  let text = '';
  lines.forEach((tokens, li) => {
    if (li > 0) text += ` ${sep} `;
    const lineStart = text.length;
    const row: TextSpan[] = [];
    tokens.forEach((tok, ti) => {
      if (ti > 0) text += ' ';
      row.push({ start: text.length, end: text.length + tok.length });
      text += tok;
    });
    spans.push(row);
    lineSpans.push({ start: lineStart, end: text.length });
  });
  return { text, spans, lineSpans };
}

export function textSpan(s: TextSpan): DecisiveSpan {
  return { kind: 'text', start: s.start, end: s.end };
}

/**
 * Does `text` carry `answer` as a string cue: the token itself, or a compact unit that ends in
 * it (`c=7`, `lamp:blue`, `lamp@attic`)?
 */
export function mentions(text: string, answer: string): boolean {
  if (answer === '') return false;
  for (const t of text.split(' ')) {
    if (t === answer) return true;
    if (t.length > answer.length && t.endsWith(answer) && '=:@'.includes(t[t.length - answer.length - 1])) return true;
  }
  return false;
}

/**
 * The layout of a text with the words blanked: separators and punctuation tokens kept, every
 * token holding a letter or digit shown as `_`, odd whitespace made visible. Two contexts with
 * the same signature have the same number of tokens and the same punctuation in the same places.
 */
export function formatSignature(text: string): string {
  return text
    .split(' ')
    .map((t) => (t === '' ? '<sp>' : /\s/.test(t) ? '<ws>' : /[A-Za-z0-9]/.test(t) ? '_' : t))
    .join(' ');
}

/** The single smallest span where two strings differ (common prefix and suffix removed). */
export function diffSpan(a: string, b: string): { a: TextSpan; b: TextSpan } | null {
  if (a === b) return null;
  let p = 0;
  while (p < a.length && p < b.length && a[p] === b[p]) p++;
  let s = 0;
  while (s < a.length - p && s < b.length - p && a[a.length - 1 - s] === b[b.length - 1 - s]) s++;
  return { a: { start: p, end: a.length - s }, b: { start: p, end: b.length - s } };
}
