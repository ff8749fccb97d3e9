/**
 * Word-level tokenizer over a fixed vocabulary (a fact such as `c=7` is one token so that finding
 * it is one attention hop).
 *
 * Encoding of one whitespace-separated chunk:
 *   - a vocabulary entry -> one token;
 *   - `<img>` -> nPatches image-placeholder tokens (filled with patch embeddings by the model);
 *   - otherwise character by character, WordPiece style: the first character as `c`, the rest as
 *     `##c` (so "12" -> `1` `##2` and decodes back to "12"); printable ASCII (digits included) is
 *     always in the vocabulary, any other character not in the vocabulary becomes unk. Never throws.
 * Text of single-space-separated chunks made of known words or printable ASCII round-trips exactly.
 *
 *   const tok = new Tokenizer(['c=7', 'which', 'lamp:blue'], { nPatches: 36 });
 *   tok.encode('c=7 | x ->')   // [id(c=7), id(|), id(x), id(->)]
 *   tok.decode(tok.encode('c=7 | 12')) // 'c=7 | 12'
 */
export const TOKENIZER_VERSION = 1;

export const SPECIAL_TOKENS = ['<pad>', '<bos>', '<eos>', '<sep>', '<unk>', '<img>'] as const;
export type SpecialToken = (typeof SPECIAL_TOKENS)[number];

/** Words of the prompt formats (item `... | query ->`, pair `... | A: ... | B: ... | which ->`). */
export const FORMAT_WORDS = ['|', '->', 'A:', 'B:', 'A', 'B', 'which'];

const PRINTABLE_ASCII: string[] = Array.from({ length: 126 - 33 + 1 }, (_, i) => String.fromCharCode(33 + i));
const IMG_MARKER = '<img>';

export interface TokenizerOptions {
  /** Image placeholder tokens per `<img>` (= (24 / patchSize)^2 = 36 for the default images). */
  nPatches?: number;
}

/** FNV-1a 32-bit over a string's UTF-16 code units: a short stable id of the vocabulary. */
export function fnv1aString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

export class Tokenizer {
  readonly version = TOKENIZER_VERSION;
  /** id -> token string; ids 0..5 are SPECIAL_TOKENS in order. */
  readonly tokens: string[];
  readonly nPatches: number;
  /** The vocabulary passed in (before specials and ASCII were added), kept for checkpoints. */
  readonly vocabulary: string[];
  readonly pad = 0;
  readonly bos = 1;
  readonly eos = 2;
  readonly sep = 3;
  readonly unk = 4;
  readonly img = 5;
  private readonly index = new Map<string, number>();
  private readonly userWords: Set<string>;

  constructor(vocabulary: string[], options: TokenizerOptions = {}) {
    this.nPatches = options.nPatches ?? 36;
    if (!Number.isInteger(this.nPatches) || this.nPatches < 1)
      throw new Error(`nPatches must be a positive integer (got ${this.nPatches})`);
    this.vocabulary = [...vocabulary];
    this.userWords = new Set(vocabulary);
    this.tokens = [];
    const add = (t: string) => {
      if (!this.index.has(t)) {
        this.index.set(t, this.tokens.length);
        this.tokens.push(t);
      }
    };
    SPECIAL_TOKENS.forEach(add);
    PRINTABLE_ASCII.forEach(add);
    PRINTABLE_ASCII.forEach((c) => add(`##${c}`));
    FORMAT_WORDS.forEach(add);
    for (const w of vocabulary) {
      if (w.length === 0 || /\s/.test(w))
        throw new Error(`vocabulary entries must be non-empty and free of whitespace (got ${JSON.stringify(w)})`);
      add(w);
      // A single non-ASCII character also gets its continuation form.
      if ([...w].length === 1) add(`##${w}`);
    }
  }

  get size(): number {
    return this.tokens.length;
  }

  /** FNV-1a of the token list: two tokenizers with equal hashes map text to the same ids. */
  get vocabHash(): string {
    return fnv1aString(this.tokens.join('\u0000')).toString(16).padStart(8, '0');
  }

  /** The id of one token string, or undefined. */
  id(token: string): number | undefined {
    return this.index.get(token);
  }

  /** Text -> ids (no bos/eos added). */
  encode(text: string): number[] {
    const ids: number[] = [];
    for (const chunk of text.split(/\s+/)) {
      if (chunk.length === 0) continue;
      if (chunk === IMG_MARKER) {
        for (let i = 0; i < this.nPatches; i++) ids.push(this.img);
        continue;
      }
      const whole = this.index.get(chunk);
      // A chunk spelled like a continuation piece (`##x`) is text, not that piece.
      const isPiece = chunk.startsWith('##') && !this.userWords.has(chunk);
      if (whole !== undefined && whole > this.img && !isPiece) {
        ids.push(whole);
        continue;
      }
      let first = true;
      for (const ch of chunk) {
        const id = this.index.get(first ? ch : `##${ch}`);
        ids.push(id !== undefined && id > this.img ? id : this.unk);
        first = false;
      }
    }
    return ids;
  }

  /**
   * Ids -> text: tokens joined by single spaces, `##` pieces glued to the previous token, a run of
   * image placeholders collapsed to one `<img>` per nPatches, pad and bos skipped; stops at the
   * first eos unless keepEos.
   */
  decode(ids: ArrayLike<number>, options: { keepEos?: boolean } = {}): string {
    let out = '';
    let imgRun = 0;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      if (id === this.pad || id === this.bos) continue;
      if (id === this.eos && !options.keepEos) break;
      if (id === this.img) {
        if (imgRun++ % this.nPatches !== 0) continue;
      } else {
        imgRun = 0;
      }
      const t = this.tokens[id] ?? '<unk>';
      if (t.startsWith('##') && t.length > 2 && out.length > 0) out += t.slice(2);
      else out += (out.length > 0 ? ' ' : '') + t;
    }
    return out;
  }
}
