/** Toy tasks for the engine tests: copy words. Prompt `w3 w1 ->`, answer `w3 w1`. */
import type { PromptText } from '../../src/tasks/types.ts';
import { Rng, Tokenizer } from '../../src/engine/index.ts';
import type { PairExample, SFTExample } from '../../src/engine/index.ts';

export const WORDS = Array.from({ length: 8 }, (_, i) => `w${i}`);
export const toyTokenizer = () => new Tokenizer([...WORDS, 'copy'], { nPatches: 4 });

export function copyItems(seed: number, n: number, len: number): { prompt: PromptText; answer: string }[] {
  const rng = Rng.warmed(seed);
  return Array.from({ length: n }, () => {
    const ws = Array.from({ length: len }, () => WORDS[Math.floor(rng.next() * WORDS.length)]);
    return { prompt: { text: `copy ${ws.join(' ')} ->`, images: [] }, answer: ws.join(' ') };
  });
}

export const sftBatch = (seed: number, n: number, len: number): SFTExample[] =>
  copyItems(seed, n, len).map((x) => ({ prompt: x.prompt, target: x.answer }));

/** Which option repeats the query word? `w3 | A: w3 | B: w5 | which ->` -> A. */
export function pairBatch(seed: number, n: number): PairExample[] {
  const rng = Rng.warmed(seed);
  return Array.from({ length: n }, () => {
    const q = WORDS[Math.floor(rng.next() * 8)];
    const other = WORDS[(WORDS.indexOf(q) + 1 + Math.floor(rng.next() * 7)) % 8];
    const aFirst = rng.next() < 0.5;
    const [a, b] = aFirst ? [q, other] : [other, q];
    return { prompt: { text: `${q} | A: ${a} | B: ${b} | which ->`, images: [] }, positiveLetter: aFirst ? 'A' : 'B' };
  });
}
