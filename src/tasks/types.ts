/**
 * The data contract shared by every domain, the engine's tokenizer, the runtime and the panels.
 * Pure types: no tfjs, no DOM.
 */

/** The task domains (one name each; the run configuration's domain options). */
export const DOMAIN_NAMES = ['trace', 'document', 'image'] as const;
export type DomainName = (typeof DOMAIN_NAMES)[number];

/** An RGB image, row-major, data.length === width * height * 3, values 0..255. */
export interface RGBImage {
  width: number;
  height: number;
  data: Uint8Array;
}

/** A context is text for trace/document and an image for the image domain. */
export type Context = string | RGBImage;

/**
 * Where the answer is decided. For text contexts: half-open character ranges [start, end)
 * into the context string. For images: pixel rectangles.
 */
export type DecisiveSpan =
  { kind: 'text'; start: number; end: number } | { kind: 'region'; x: number; y: number; w: number; h: number };

/** One RL item: the model sees `context` (+ `image`) and `query`, and must produce `answer`. */
export interface RLItem {
  id: string;
  domain: DomainName;
  query: string;
  /** Text context; for the image domain this is '' and `image` holds the scene. */
  context: string;
  image?: RGBImage;
  /** The reference answer, checked by exact match after trimming. */
  answer: string;
  /** The answer a cheap cue would give (e.g. the first assignment of the queried variable), when one exists. */
  shortcutAnswer?: string;
  /** Where the answer is decided in `context`/`image`. */
  decisive: DecisiveSpan[];
  /** Free-form labels (question type, depth, benchmark name ...). */
  meta: Record<string, string | number | boolean>;
}

/**
 * How a pair builder picks C-: hard (differs only where the answer is decided), easy (another
 * context about the same question that differs obviously) or random (an unrelated item's context).
 * Random pairs carry hardness 'easy' (the verifier treats them alike) and meta.method 'random'.
 */
export const PAIR_HARDNESS = ['hard', 'easy', 'random'] as const;
export type PairHardness = (typeof PAIR_HARDNESS)[number];

/** A contrastive pair: C+ supports `answer`, C- supports `negativeAnswer`, and they differ only where it is decided. */
export interface Pair {
  id: string;
  domain: DomainName;
  query: string;
  answer: string;
  negativeAnswer: string;
  positive: Context;
  negative: Context;
  /** Decisive spans/regions in the positive and the negative context. */
  decisivePositive: DecisiveSpan[];
  decisiveNegative: DecisiveSpan[];
  /** 'easy' pairs differ obviously; 'hard' pairs differ only at the decisive spot. */
  hardness: 'easy' | 'hard';
  meta: Record<string, string | number | boolean>;
}

/** Why a candidate pair was rejected by a verifier. */
export type RejectionReason =
  | 'differs-outside-decisive'
  | 'length-disparity'
  | 'formatting-differs'
  | 'answer-leak'
  | 'identical-contexts'
  | 'equal-answers'
  | 'similarity-below-threshold'
  | 'edit-changed-nothing'
  | 'template-mismatch'
  | 'answer-fact-in-negative';

/** The pair builder's funnel, as the paper reports it. */
export interface Funnel {
  candidates: number;
  stages: { name: string; kept: number }[];
  rejections: Partial<Record<RejectionReason, number>>;
  kept: number;
}

/** A prompt ready for the tokenizer: text with `<img>` markers where images go, in order. */
export interface PromptText {
  text: string;
  images: RGBImage[];
}

/** Knob values are plain numbers/strings/booleans so they serialize into a URL. */
export type Knobs = Record<string, number | string | boolean>;

export interface KnobSpec {
  name: string;
  default: number | string | boolean;
  /** One sentence for the UI. */
  help: string;
  min?: number;
  max?: number;
  options?: string[];
}

/** Every domain implements this, registered by name in src/tasks/index.ts. */
export interface Domain {
  name: DomainName;
  /** Vocabulary entries this domain's text uses (words, symbols, compact units like `c=7`). */
  vocabulary: string[];
  knobs: KnobSpec[];
  /** Seeded RL items. */
  items(seed: number, n: number, knobs?: Knobs): RLItem[];
  /** Seeded contrastive pairs plus the builder's funnel. */
  pairs(seed: number, n: number, knobs?: Knobs): { pairs: Pair[]; funnel: Funnel };
  /** Reward of a decoded completion for an item: 1 for an exact match after trim, else 0. */
  reward(item: RLItem, completion: string): number;
}
