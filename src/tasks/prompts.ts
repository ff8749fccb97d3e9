/**
 * THE prompt format the engine trains and evaluates on. Tokens are whitespace-separated words,
 * separated by single spaces, so the engine's tokenizer is `text.split(' ')`.
 *
 *   item:  `${context} | ${query} ->`            completion: `${answer}` (+ eos, added by the engine)
 *          `<img> | ${query} ->`                  (image domain, images: [item.image])
 *   pair:  `${query} ${answer} | A : ${first} | B : ${second} | which ->`   target: 'A' | 'B'
 *          (image domain: first/second are `<img>` markers, images: [first, second])
 *
 * The option labels are written `A :` (two tokens), not `A:`, so that the label the model reads
 * is the very token it must emit as the target letter.
 */
import { Rng, hashString } from './rng.ts';
import type { Context, Pair, PromptText, RGBImage, RLItem } from './types.ts';

export const IMG_TOKEN = '<img>';
export const SEP_TOKEN = '|';
export const ARROW_TOKEN = '->';

/** Every token the prompt templates themselves add. */
export const PROMPT_VOCABULARY: readonly string[] = [SEP_TOKEN, ARROW_TOKEN, ':', 'A', 'B', 'which', IMG_TOKEN];

export function formatItemPrompt(item: RLItem): PromptText {
  if (item.image) return { text: `${IMG_TOKEN} ${SEP_TOKEN} ${item.query} ${ARROW_TOKEN}`, images: [item.image] };
  return { text: `${item.context} ${SEP_TOKEN} ${item.query} ${ARROW_TOKEN}`, images: [] };
}

/** The completion the engine scores against for an item (the engine appends eos). */
export function itemTarget(item: RLItem): string {
  return item.answer;
}

function show(c: Context, images: RGBImage[]): string {
  if (typeof c === 'string') return c;
  images.push(c);
  return IMG_TOKEN;
}

export function formatPairPrompt(pair: Pair, positiveFirst: boolean): { prompt: PromptText; target: 'A' | 'B' } {
  const images: RGBImage[] = [];
  const first = show(positiveFirst ? pair.positive : pair.negative, images);
  const second = show(positiveFirst ? pair.negative : pair.positive, images);
  const text = `${pair.query} ${pair.answer} ${SEP_TOKEN} A : ${first} ${SEP_TOKEN} B : ${second} ${SEP_TOKEN} which ${ARROW_TOKEN}`;
  return { prompt: { text, images }, target: positiveFirst ? 'A' : 'B' };
}

/**
 * Whether C+ is shown as option A for this pair: a seeded 50/50 draw per pair id, so the order
 * is random across pairs but the same every time a given pair is shown (for a given seed).
 */
export function pairSideSeed(pairId: string, seed = 0): boolean {
  return new Rng(hashString(pairId, seed >>> 0)).float() < 0.5;
}

/** Split prompt text into tokens exactly as the engine does. */
export function promptTokens(text: string): string[] {
  return text.length === 0 ? [] : text.split(' ');
}
