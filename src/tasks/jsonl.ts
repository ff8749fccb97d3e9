/**
 * Pairs as JSON Lines, one object per line:
 *   {"id": "...", "domain": "trace", "query": "final c", "answer": "7",
 *    "positive": "c=3 ; ... ; c=7", "negative": "c=7 ; ... ; c=3", "negative_answer": "3"}
 * Image contexts are {"png": "<base64>"} of a 24x24 RGB PNG. Optional extras this lab writes:
 * hardness, decisive_positive, decisive_negative, meta.
 * The importer never throws: every problem comes back with its line number and field, and the
 * valid lines are kept only when the caller asks (keepValid).
 */
import { z } from 'zod';
import { DOMAIN_NAMES, type Context, type DecisiveSpan, type DomainName, type Pair, type RLItem } from './types.ts';
import { base64ToBytes, bytesToBase64 } from './base64.ts';
import { decodeImagePng, encodeImagePng } from './png.ts';
import { diffSpan } from './text.ts';
import { diffRect } from './image/pairs.ts';
import { IMAGE_SIZE } from './image/scene.ts';

export interface JsonlError {
  /** 1-based line number; 0 for the file as a whole. */
  line: number;
  field?: string;
  message: string;
}

export interface ImportOptions {
  /** Keep the valid lines when some are bad (default false: any error gives no pairs). */
  keepValid?: boolean;
  /** Longest line in bytes (default 256 KiB). */
  maxLineBytes?: number;
  /** Most lines in a file (default 100 000). */
  maxLines?: number;
  /** Stop after this many errors (default 1000): a broken file gets a readable list, not a million lines. */
  maxErrors?: number;
  /** Called every 1000 lines and at the end with (lines read, lines in the file). */
  onProgress?: (done: number, total: number) => void;
}

export interface ImportResult {
  pairs: Pair[];
  errors: JsonlError[];
}

const Span = z.union([
  z.object({ kind: z.literal('text'), start: z.number().int().min(0), end: z.number().int().min(0) }),
  z.object({
    kind: z.literal('region'),
    x: z.number().int(),
    y: z.number().int(),
    w: z.number().int().min(0),
    h: z.number().int().min(0),
  }),
]);
const ContextSchema = z.union([z.string(), z.object({ png: z.string() })]);
export const PairRowSchema = z.object({
  id: z.string().min(1),
  domain: z.enum(DOMAIN_NAMES),
  query: z.string().min(1),
  answer: z.string().min(1),
  positive: ContextSchema,
  negative: ContextSchema,
  negative_answer: z.string().min(1).optional(),
  hardness: z.enum(['easy', 'hard']).optional(),
  decisive_positive: z.array(Span).optional(),
  decisive_negative: z.array(Span).optional(),
  meta: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
});
export type PairRow = z.infer<typeof PairRowSchema>;

function contextToJson(c: Context): string | { png: string } {
  return typeof c === 'string' ? c : { png: bytesToBase64(encodeImagePng(c)) };
}

export function pairToRow(p: Pair): PairRow {
  return {
    id: p.id,
    domain: p.domain,
    query: p.query,
    answer: p.answer,
    positive: contextToJson(p.positive),
    negative: contextToJson(p.negative),
    negative_answer: p.negativeAnswer || undefined,
    hardness: p.hardness,
    decisive_positive: p.decisivePositive,
    decisive_negative: p.decisiveNegative,
    meta: p.meta,
  };
}

export function pairsToJsonl(pairs: readonly Pair[]): string {
  return pairs.map((p) => JSON.stringify(pairToRow(p)) + '\n').join('');
}

/** Benchmark items, one JSON object per line (images as {png}). */
export function itemsToJsonl(items: readonly RLItem[]): string {
  return items
    .map((it) => {
      const { image, shortcutAnswer, ...rest } = it;
      return (
        JSON.stringify({ ...rest, image: image ? contextToJson(image) : undefined, shortcut_answer: shortcutAnswer }) +
        '\n'
      );
    })
    .join('');
}

function zodMessage(issue: z.core.$ZodIssue, row: unknown): JsonlError['message'] {
  const field = issue.path.join('.');
  if (issue.code === 'invalid_type') {
    let v: unknown = row;
    for (const k of issue.path)
      v = v && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[k as PropertyKey] : undefined;
    if (v === undefined) return field ? `missing field "${field}"` : `expected ${issue.expected}`;
    const got = v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v;
    return field
      ? `field "${field}" must be ${issue.expected === 'object' ? 'an object' : `a ${issue.expected}`} (got ${got})`
      : `expected a JSON object (got ${got})`;
  }
  if (issue.code === 'invalid_union') return `field "${field}" must be a string (text) or {"png": "<base64>"} (image)`;
  if (issue.code === 'invalid_value') return `field "${field}" must be one of ${issue.values.map(String).join(', ')}`;
  if (issue.code === 'too_small') return `field "${field}" must not be empty`;
  return `field "${field}": ${issue.message}`;
}

type Fail = { field?: string; message: string };

function toContext(domain: DomainName, c: PairRow['positive'], field: string): Context | Fail {
  if (domain !== 'image') {
    if (typeof c !== 'string') return { field, message: `${domain} contexts must be strings` };
    return c.length ? c : { field, message: 'context must not be empty' };
  }
  if (typeof c === 'string') return { field, message: 'image contexts must be {"png": "<base64>"}' };
  const bytes = base64ToBytes(c.png);
  if (!bytes) return { field: `${field}.png`, message: 'not valid base64' };
  const d = decodeImagePng(bytes, { width: IMAGE_SIZE, height: IMAGE_SIZE });
  if ('error' in d) return { field: `${field}.png`, message: d.error };
  if (d.image.width !== IMAGE_SIZE || d.image.height !== IMAGE_SIZE) {
    return {
      field: `${field}.png`,
      message: `image must be ${IMAGE_SIZE}x${IMAGE_SIZE} (got ${d.image.width}x${d.image.height})`,
    };
  }
  return d.image;
}

const isFail = (x: Context | Fail): x is Fail => typeof x === 'object' && 'message' in x;

function sameContext(a: Context, b: Context): boolean {
  if (typeof a === 'string' || typeof b === 'string') return a === b;
  return a.data.length === b.data.length && a.data.every((v, i) => v === b.data[i]);
}

function rowToPair(row: PairRow): Pair | Fail {
  const pos = toContext(row.domain, row.positive, 'positive');
  if (isFail(pos)) return pos;
  const neg = toContext(row.domain, row.negative, 'negative');
  if (isFail(neg)) return neg;
  if (sameContext(pos, neg)) return { field: 'negative', message: 'positive and negative contexts are identical' };
  if (row.negative_answer !== undefined && row.negative_answer === row.answer) {
    return { field: 'negative_answer', message: `negative_answer equals answer ("${row.answer}")` };
  }
  let dp: DecisiveSpan[] = row.decisive_positive ?? [];
  let dn: DecisiveSpan[] = row.decisive_negative ?? [];
  if (!row.decisive_positive || !row.decisive_negative) {
    if (typeof pos === 'string' && typeof neg === 'string') {
      const d = diffSpan(pos, neg);
      if (d) [dp, dn] = [[{ kind: 'text', ...d.a }], [{ kind: 'text', ...d.b }]];
    } else {
      const r = diffRect(pos, neg);
      if (r) [dp, dn] = [[{ kind: 'region', ...r }], [{ kind: 'region', ...r }]];
    }
  }
  return {
    id: row.id,
    domain: row.domain,
    query: row.query,
    answer: row.answer,
    negativeAnswer: row.negative_answer ?? '',
    positive: pos,
    negative: neg,
    decisivePositive: dp,
    decisiveNegative: dn,
    hardness: row.hardness ?? 'hard',
    meta: { ...(row.meta ?? {}), source: 'import', negativeAnswerKnown: row.negative_answer !== undefined },
  };
}

function splitLines(bytes: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  let start = 0;
  for (let i = 0; i <= bytes.length; i++) {
    if (i === bytes.length || bytes[i] === 10) {
      let end = i;
      if (end > start && bytes[end - 1] === 13) end--;
      out.push(bytes.subarray(start, end));
      start = i + 1;
    }
  }
  if (out.length && out[out.length - 1].length === 0) out.pop();
  return out;
}

/**
 * The encoding of a file that is not UTF-8 text but looks like another one the importer should
 * name: UTF-16 (by its byte-order mark, or by NUL bytes at every other position, as ASCII text in
 * UTF-16 has) or UTF-32. Undefined for anything else (UTF-8, with or without a BOM, or binary).
 */
export function foreignEncoding(bytes: Uint8Array): string | undefined {
  const b = bytes;
  if (b.length >= 4 && b[0] === 0xff && b[1] === 0xfe && b[2] === 0 && b[3] === 0) return 'UTF-32 (little-endian)';
  if (b.length >= 4 && b[0] === 0 && b[1] === 0 && b[2] === 0xfe && b[3] === 0xff) return 'UTF-32 (big-endian)';
  if (b.length >= 2 && b[0] === 0xff && b[1] === 0xfe) return 'UTF-16 (little-endian)';
  if (b.length >= 2 && b[0] === 0xfe && b[1] === 0xff) return 'UTF-16 (big-endian)';
  const n = Math.min(b.length, 256) & ~1;
  if (n < 4) return undefined;
  let evenNul = 0;
  let oddNul = 0;
  for (let i = 0; i < n; i += 2) {
    if (b[i] === 0) evenNul++;
    if (b[i + 1] === 0) oddNul++;
  }
  if (oddNul >= 0.4 * n && evenNul === 0) return 'UTF-16 (little-endian)';
  if (evenNul >= 0.4 * n && oddNul === 0) return 'UTF-16 (big-endian)';
  return undefined;
}

/** True when the file separates its lines with CR alone (classic Mac OS): CRs, and no LF at all. */
function crOnly(bytes: Uint8Array): boolean {
  let cr = 0;
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] === 10) return false;
    if (bytes[i] === 13 && i + 1 < bytes.length) cr++;
  }
  return cr > 0;
}

export function parsePairsJsonl(input: Uint8Array | string, opts: ImportOptions = {}): ImportResult {
  const maxLineBytes = opts.maxLineBytes ?? 256 * 1024;
  const maxLines = opts.maxLines ?? 100_000;
  const bytes = typeof input === 'string' ? new TextEncoder().encode(input) : input;
  const encoding = foreignEncoding(bytes);
  if (encoding)
    return {
      pairs: [],
      errors: [{ line: 0, message: `the file is ${encoding} text; pairs files are UTF-8: save it as UTF-8` }],
    };
  if (crOnly(bytes))
    return {
      pairs: [],
      errors: [
        {
          line: 0,
          message:
            'the file separates lines with CR alone (classic Mac OS line endings); ' +
            'JSON Lines needs LF or CRLF: save it with LF line endings',
        },
      ],
    };
  const lines = splitLines(bytes);
  const errors: JsonlError[] = [];
  const pairs: Pair[] = [];
  const ids = new Map<string, number>();
  const decoder = new TextDecoder('utf-8', { fatal: true });
  if (lines.every((l) => l.every((b) => b === 32 || b === 9 || b === 13))) {
    return { pairs: [], errors: [{ line: 0, message: 'empty file: no pairs' }] };
  }
  if (lines.length > maxLines)
    errors.push({ line: maxLines + 1, message: `file has ${lines.length} lines, more than the limit of ${maxLines}` });
  const total = Math.min(lines.length, maxLines);
  const maxErrors = opts.maxErrors ?? 1000;
  let stoppedAt = 0;
  lines.slice(0, maxLines).forEach((raw, i) => {
    const line = i + 1;
    if (stoppedAt) return;
    if (errors.length >= maxErrors) {
      stoppedAt = line;
      return;
    }
    if (opts.onProgress && i % 1000 === 0) opts.onProgress(i, total);
    const err = (message: string, field?: string) => errors.push(field ? { line, field, message } : { line, message });
    if (raw.length > maxLineBytes) return err(`line is ${raw.length} bytes, more than the limit of ${maxLineBytes}`);
    let text: string;
    try {
      text = decoder.decode(raw);
    } catch {
      return err('bytes are not valid UTF-8');
    }
    if (text.trim() === '') return;
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (e) {
      const why = e instanceof Error ? e.message : String(e);
      if (text.includes('\r'))
        return err(`malformed JSON (${why}): the line holds a CR line ending (CR without LF); save the file with LF`);
      return err(`malformed JSON (${why})`);
    }
    const parsed = PairRowSchema.safeParse(json);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) err(zodMessage(issue, json), issue.path.join('.') || undefined);
      return;
    }
    const pair = rowToPair(parsed.data);
    if ('message' in pair && !('domain' in pair)) return err(pair.message, pair.field);
    const seen = ids.get(parsed.data.id);
    if (seen !== undefined) return err(`duplicate id "${parsed.data.id}" (first on line ${seen})`, 'id');
    ids.set(parsed.data.id, line);
    pairs.push(pair as Pair);
  });
  if (stoppedAt)
    errors.push({
      line: stoppedAt,
      message: `stopped reading at line ${stoppedAt} after ${maxErrors} errors; fix those first`,
    });
  opts.onProgress?.(total, total);
  return { pairs: errors.length && !opts.keepValid ? [] : pairs, errors };
}

export function formatJsonlError(e: JsonlError): string {
  return `line ${e.line}${e.field ? `, field ${e.field}` : ''}: ${e.message}`;
}
