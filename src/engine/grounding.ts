/**
 * The grounding score: the share of attribution mass on the decisive span or region.
 *
 * A prompt's layout says where each shown context sits in the encoded prompt: the prompt
 * positions of its tokens (text) or patches (images, row-major), and which of them fall on a
 * DecisiveSpan (char ranges mapped through the tokenizer; pixel rects mapped to the patches they
 * overlap). Then
 *   share = sum(attribution on decisive positions) / sum(attribution on the contexts' positions)
 * over all contexts shown (both C+ and C- in a pair prompt): 1 when all the contexts' mass is on
 * the decisive spots, 0 when none is. The query, the answer and the format tokens are left out of
 * the denominator: the question is where in the evidence the model looks.
 *
 *   pair `q a | A : x=1 y=2 | B : x=1 y=3 | which ->`, decisive `y=2` / `y=3`, positive first:
 *   contexts = [{ role: 'positive', letter: 'A', positions: [6, 7], decisive: [1] },
 *               { role: 'negative', letter: 'B', positions: [11, 12], decisive: [1] }]
 */
import { formatItemPrompt, formatPairPrompt, pairSideSeed } from '../tasks/prompts.ts';
import type { Context, DecisiveSpan, Pair, PromptText, RGBImage, RLItem } from '../tasks/types.ts';
import { attribute, type Attribution, type AttributionMethod, type AttributionTarget } from './attribution.ts';
import type { Transformer } from './model.ts';
import type { Tokenizer } from './tokenizer.ts';

export const GROUNDING_METRIC = 'grounding/decisive_share';

export interface TokenRange {
  start: number;
  end: number;
}

export type ContextRole = 'context' | 'positive' | 'negative';

export interface ContextLayout {
  /** 'context' for a single-context item; C+ / C- in a pair prompt. */
  role: ContextRole;
  /** The option letter a pair shows this context under. */
  letter?: 'A' | 'B';
  kind: 'text' | 'image';
  /** Prompt positions (bos = 0) of this context's tokens, in order; for an image its patches, row-major. */
  positions: number[];
  /** Text: each token's [start, end) in the context string, parallel to positions. */
  charRanges?: TokenRange[];
  /** Image: patches per side (positions.length = patchesPerSide^2). */
  patchesPerSide?: number;
  /** Indices into `positions` of the tokens / patches on a decisive span or region. */
  decisive: number[];
}

export interface PromptLayout {
  prompt: PromptText;
  /** bos + tok.encode(prompt.text) */
  ids: number[];
  contexts: ContextLayout[];
  /** What attribution explains for this prompt. */
  target: AttributionTarget;
}

export interface GroundingScore {
  /** grounding/decisive_share: decisive mass over the contexts' mass, 0..1 (0 when the contexts have no mass). */
  share: number;
  /** Share of the whole prompt's attribution that falls on the contexts. */
  contextMass: number;
  /** Per context, in layout order: its decisive share, and its share of the contexts' mass. */
  contexts: { role: ContextRole; letter?: 'A' | 'B'; share: number; mass: number }[];
}

/** Each token's [start, end) in `text`, in the order tok.encode(text) emits them (bos not included). */
export function tokenCharRanges(tok: Tokenizer, text: string): TokenRange[] {
  const out: TokenRange[] = [];
  for (const m of text.matchAll(/\S+/g)) {
    const chunk = m[0];
    const start = m.index;
    const n = tok.encode(chunk).length;
    const points = [...chunk];
    if (chunk !== '<img>' && n === points.length && n > 1) {
      // Spelled out character by character (WordPiece style): one token per code point.
      let at = start;
      for (const p of points) {
        out.push({ start: at, end: at + p.length });
        at += p.length;
      }
    } else {
      for (let i = 0; i < n; i++) out.push({ start, end: start + chunk.length });
    }
  }
  const expected = tok.encode(text).length;
  if (out.length !== expected)
    throw new Error(
      `token ranges (${out.length}) do not match the tokenizer (${expected} tokens) for "${text.slice(0, 60)}"`,
    );
  return out;
}

/** Patches (row-major, `perSide` per side, `patch` pixels each) that a pixel rectangle overlaps. */
export function regionPatches(
  r: { x: number; y: number; w: number; h: number },
  perSide: number,
  patch: number,
): number[] {
  const out: number[] = [];
  for (let py = 0; py < perSide; py++) {
    for (let px = 0; px < perSide; px++) {
      if (px * patch < r.x + r.w && (px + 1) * patch > r.x && py * patch < r.y + r.h && (py + 1) * patch > r.y)
        out.push(py * perSide + px);
    }
  }
  return out;
}

function textSpans(spans: DecisiveSpan[]): TokenRange[] {
  return spans.flatMap((s) => (s.kind === 'text' ? [{ start: s.start, end: s.end }] : []));
}

function textContext(
  role: ContextRole,
  letter: 'A' | 'B' | undefined,
  offset: number,
  length: number,
  promptRanges: TokenRange[],
  spans: DecisiveSpan[],
): ContextLayout {
  const positions: number[] = [];
  const charRanges: TokenRange[] = [];
  promptRanges.forEach((r, i) => {
    if (r.start >= offset && r.end <= offset + length) {
      positions.push(i + 1); // + bos
      charRanges.push({ start: r.start - offset, end: r.end - offset });
    }
  });
  const dec = textSpans(spans).filter((s) => s.end > s.start);
  const decisive = charRanges.flatMap((r, i) => (dec.some((s) => r.start < s.end && r.end > s.start) ? [i] : []));
  return { role, letter, kind: 'text', positions, charRanges, decisive };
}

function imageContext(
  tok: Tokenizer,
  role: ContextRole,
  letter: 'A' | 'B' | undefined,
  ids: number[],
  index: number,
  img: RGBImage,
  spans: DecisiveSpan[],
): ContextLayout {
  const imgPositions = ids.flatMap((id, t) => (id === tok.img ? [t] : []));
  const positions = imgPositions.slice(index * tok.nPatches, (index + 1) * tok.nPatches);
  const perSide = Math.round(Math.sqrt(tok.nPatches));
  if (perSide * perSide !== tok.nPatches || img.width % perSide !== 0)
    throw new Error(`image ${img.width}x${img.height} does not split into ${tok.nPatches} square patches`);
  const patch = img.width / perSide;
  const decisive = [
    ...new Set(spans.flatMap((s) => (s.kind === 'region' ? regionPatches(s, perSide, patch) : []))),
  ].sort((a, b) => a - b);
  return { role, letter, kind: 'image', positions, patchesPerSide: perSide, decisive };
}

/**
 * Where the text contexts start in the prompt text. The prompt format is owned by tasks/prompts.ts,
 * so this renders it once with unique sentinels in place of the contexts and shifts their offsets
 * by the real contexts' lengths; a template that does not show a context verbatim throws.
 */
function contextOffsets(render: (contexts: string[]) => string, contexts: string[]): number[] {
  const sentinels = contexts.map((_, i) => `\u0001ctx${i}\u0001`);
  const withSentinels = render(sentinels);
  const found = sentinels.map((s, i) => ({ i, at: withSentinels.indexOf(s) })).sort((a, b) => a.at - b.at);
  const offsets: number[] = new Array(contexts.length);
  let shift = 0;
  for (const { i, at } of found) {
    if (at < 0) throw new Error(`the prompt template does not show context ${i} verbatim`);
    offsets[i] = at + shift;
    shift += contexts[i].length - sentinels[i].length;
  }
  const real = render(contexts);
  offsets.forEach((o, i) => {
    if (real.slice(o, o + contexts[i].length) !== contexts[i])
      throw new Error(`context ${i} not found at offset ${o} of the prompt`);
  });
  return offsets;
}

/** The layout of an RL item's prompt (`context | query ->`); the target is the item's answer. */
export function itemLayout(tok: Tokenizer, item: RLItem): PromptLayout {
  const prompt = formatItemPrompt(item);
  const ids = [tok.bos, ...tok.encode(prompt.text)];
  const target: AttributionTarget = { kind: 'answer', answer: item.answer };
  if (item.image)
    return {
      prompt,
      ids,
      target,
      contexts: [imageContext(tok, 'context', undefined, ids, 0, item.image, item.decisive)],
    };
  const [offset] = contextOffsets(([c]) => formatItemPrompt({ ...item, context: c }).text, [item.context]);
  return {
    prompt,
    ids,
    target,
    contexts: [
      textContext('context', undefined, offset, item.context.length, tokenCharRanges(tok, prompt.text), item.decisive),
    ],
  };
}

/**
 * The layout of a pair's selection prompt with C+ shown first (option A) or second; the target is
 * Delta = logit(C+ letter) - logit(C- letter). Contexts are listed C+ then C-.
 */
export function pairLayout(tok: Tokenizer, pair: Pair, positiveFirst: boolean): PromptLayout {
  const { prompt, target } = formatPairPrompt(pair, positiveFirst);
  const ids = [tok.bos, ...tok.encode(prompt.text)];
  const posLetter = target;
  const negLetter = target === 'A' ? 'B' : 'A';
  const roles: { role: ContextRole; letter: 'A' | 'B'; ctx: Context; spans: DecisiveSpan[]; order: number }[] = [
    {
      role: 'positive',
      letter: posLetter,
      ctx: pair.positive,
      spans: pair.decisivePositive,
      order: positiveFirst ? 0 : 1,
    },
    {
      role: 'negative',
      letter: negLetter,
      ctx: pair.negative,
      spans: pair.decisiveNegative,
      order: positiveFirst ? 1 : 0,
    },
  ];
  let contexts: ContextLayout[];
  if (typeof pair.positive === 'string' && typeof pair.negative === 'string') {
    const texts = [pair.positive, pair.negative];
    const offsets = contextOffsets(
      ([p, n]) => formatPairPrompt({ ...pair, positive: p, negative: n }, positiveFirst).prompt.text,
      texts,
    );
    const ranges = tokenCharRanges(tok, prompt.text);
    contexts = roles.map((r, i) => textContext(r.role, r.letter, offsets[i], texts[i].length, ranges, r.spans));
  } else if (typeof pair.positive !== 'string' && typeof pair.negative !== 'string') {
    contexts = roles.map((r) => imageContext(tok, r.role, r.letter, ids, r.order, r.ctx as RGBImage, r.spans));
  } else {
    throw new Error(`pair ${pair.id} mixes a text and an image context`);
  }
  return { prompt, ids, contexts, target: { kind: 'contrast', positive: posLetter, negative: negLetter } };
}

/** sum(scores[decisive]) / sum(scores[within]); 0 when `within` has no mass. */
export function decisiveShare(scores: ArrayLike<number>, decisive: Iterable<number>, within: Iterable<number>): number {
  let num = 0;
  let den = 0;
  for (const t of decisive) num += scores[t] ?? 0;
  for (const t of within) den += scores[t] ?? 0;
  return den > 0 ? Math.min(1, Math.max(0, num / den)) : 0;
}

/** The grounding score of one attribution (scores over the prompt's positions, bos = 0). */
export function groundingScore(layout: PromptLayout, scores: ArrayLike<number>): GroundingScore {
  const all = layout.contexts.flatMap((c) => c.positions);
  const dec = layout.contexts.flatMap((c) => c.decisive.map((i) => c.positions[i]));
  let total = 0;
  for (let t = 0; t < scores.length; t++) total += scores[t];
  const ctxMass = all.reduce((s, t) => s + (scores[t] ?? 0), 0);
  return {
    share: decisiveShare(scores, dec, all),
    contextMass: total > 0 ? ctxMass / total : 0,
    contexts: layout.contexts.map((c) => ({
      role: c.role,
      letter: c.letter,
      share: decisiveShare(
        scores,
        c.decisive.map((i) => c.positions[i]),
        c.positions,
      ),
      mass: ctxMass > 0 ? c.positions.reduce((s, t) => s + (scores[t] ?? 0), 0) / ctxMass : 0,
    })),
  };
}

export interface GroundingResult {
  layout: PromptLayout;
  attribution: Attribution;
  score: GroundingScore;
}

/** Attribution and grounding score for each layout. */
export async function groundLayouts(
  model: Transformer,
  tok: Tokenizer,
  layouts: PromptLayout[],
  method: AttributionMethod,
  batchSize?: number,
): Promise<GroundingResult[]> {
  const attrs = await attribute(
    model,
    tok,
    layouts.map((l) => ({ prompt: l.prompt, target: l.target })),
    method,
    { batchSize },
  );
  return layouts.map((layout, i) => ({
    layout,
    attribution: attrs[i],
    score: groundingScore(layout, attrs[i].scores),
  }));
}

/** Pairs as the selection probe shows them: C+ on the seeded side of pairSideSeed(pair.id, seed). */
export function groundPairs(
  model: Transformer,
  tok: Tokenizer,
  pairs: Pair[],
  seed: number,
  method: AttributionMethod = 'grad-input',
): Promise<GroundingResult[]> {
  return groundLayouts(
    model,
    tok,
    pairs.map((p) => pairLayout(tok, p, pairSideSeed(p.id, seed))),
    method,
  );
}

/**
 * groundPairs for each replica of a replica model (replicas.ts), batched: requests[r] (undefined:
 * none) holds replica r's probe pairs and seed. Each batch of `batchSize` layouts per replica is
 * one attribution over R blocks of rows (a short block padded with copies of a layout, dropped after).
 */
export function groundPairsReplicas(
  model: Transformer,
  tok: Tokenizer,
  requests: ({ pairs: Pair[]; seed: number } | undefined)[],
  method: AttributionMethod = 'grad-input',
  batchSize = 32,
): Promise<(GroundingResult[] | undefined)[]> {
  const layouts = requests.map((q) =>
    q ? q.pairs.map((p) => pairLayout(tok, p, pairSideSeed(p.id, q.seed))) : undefined,
  );
  return groundLayoutsReplicas(model, tok, layouts, method, batchSize);
}

/** groundItems for each replica of a replica model, batched as groundPairsReplicas. */
export function groundItemsReplicas(
  model: Transformer,
  tok: Tokenizer,
  requests: (RLItem[] | undefined)[],
  method: AttributionMethod = 'grad-input',
  batchSize = 32,
): Promise<(GroundingResult[] | undefined)[]> {
  const layouts = requests.map((q) => q?.map((it) => itemLayout(tok, it)));
  return groundLayoutsReplicas(model, tok, layouts, method, batchSize);
}

async function groundLayoutsReplicas(
  model: Transformer,
  tok: Tokenizer,
  requests: (PromptLayout[] | undefined)[],
  method: AttributionMethod = 'grad-input',
  batchSize = 32,
): Promise<(GroundingResult[] | undefined)[]> {
  const layouts = requests.map((q) => q ?? []);
  const filler = layouts.flat()[0];
  const out: GroundingResult[][] = layouts.map(() => []);
  const longest = Math.max(0, ...layouts.map((l) => l.length));
  for (let s = 0; filler && s < longest; s += batchSize) {
    const chunks = layouts.map((l) => l.slice(s, s + batchSize));
    const n = Math.max(...chunks.map((c) => c.length));
    const rows = chunks.flatMap((c) => [...c, ...new Array<PromptLayout>(n - c.length).fill(filler)]);
    const attrs = await attribute(
      model,
      tok,
      rows.map((l) => ({ prompt: l.prompt, target: l.target })),
      method,
      { batchSize: rows.length },
    );
    chunks.forEach((c, r) =>
      c.forEach((layout, i) => {
        const attribution = attrs[r * n + i];
        out[r].push({ layout, attribution, score: groundingScore(layout, attribution.scores) });
      }),
    );
  }
  return requests.map((q, r) => (q ? out[r] : undefined));
}

/** Single-context RL items: attribution of the item's own answer over its context. */
export function groundItems(
  model: Transformer,
  tok: Tokenizer,
  items: RLItem[],
  method: AttributionMethod = 'grad-input',
): Promise<GroundingResult[]> {
  return groundLayouts(
    model,
    tok,
    items.map((it) => itemLayout(tok, it)),
    method,
  );
}

/** Mean decisive share of results (0 for none). */
export function meanShare(results: GroundingResult[]): number {
  return results.length ? results.reduce((s, r) => s + r.score.share, 0) / results.length : 0;
}

/** One grounding result as plain data for the page (the prompt's images stay with the pair). */
export interface GroundingReport {
  method: AttributionMethod;
  /** The prompt's token strings, bos first. */
  tokens: string[];
  /** Attribution per prompt position (sums to 1, or all 0). */
  scores: number[];
  /** sum log p(answer), or Delta for a pair prompt. */
  objective: number;
  contexts: ContextLayout[];
  score: GroundingScore;
}

export function toReport(tok: Tokenizer, r: GroundingResult): GroundingReport {
  return {
    method: r.attribution.method,
    tokens: r.layout.ids.map((id) => tok.tokens[id] ?? '<unk>'),
    scores: r.attribution.scores,
    objective: r.attribution.objective,
    contexts: r.layout.contexts,
    score: r.score,
  };
}
