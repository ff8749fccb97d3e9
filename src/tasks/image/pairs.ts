/**
 * Image pairs. (a) edit: one attribute (colour, kind, size or place) of one object changes, or
 * one object is removed or added, so that the answer changes; the pixels outside that object's
 * old and new squares must not move.
 * (b) similar: from a pool of scenes (families of near-duplicates, as a large image collection
 * has), the nearest scene by embedding cosine, at or above the threshold, whose answer differs.
 * (easy) C- is an unrelated scene with a different answer.
 * (random) C- is another item's scene (its own question), kept when it does not support the claim.
 */
import type { DecisiveSpan, Funnel, Pair, PairHardness } from '../types.ts';
import { Rng } from '../rng.ts';
import { minePairs, reject } from '../mine.ts';
import {
  COLOURS,
  IMAGE_SIZE,
  KINDS,
  SIZES,
  objectRect,
  randomObject,
  randomScene,
  render,
  unionRect,
  validScene,
  type Rect,
  type Scene,
  type SceneObject,
} from './scene.ts';
import { answerQuestion, proposeQuestion, QUESTION_TYPES, type QuestionType } from './questions.ts';
import { cosine, embedImage } from './embed.ts';

export interface ImageKnobs {
  question: QuestionType | 'any';
  objects: number;
  method: 'edit' | 'similar' | 'mixed';
  threshold: number;
  pool: number;
  /**
   * Presence matched (the images' analog of the text verifier's answer-leak check and of the trace
   * easy pairs' "answer fact absent"): a hard pair shows each colour or shape answer somewhere in
   * both scenes or in neither, an easy or random pair never shows the answer's colour or shape in
   * C-. Then spotting the answer's colour decides easy pairs and not hard ones. Default off.
   */
  matchPresence?: boolean;
}

/** Whether a colour or shape word is visible in a scene; undefined for other answers (counts, yes/no, places). */
export function shows(scene: Scene, word: string): boolean | undefined {
  if ((COLOURS as readonly string[]).includes(word)) return scene.objects.some((o) => o.colour === word);
  if ((KINDS as readonly string[]).includes(word)) return scene.objects.some((o) => o.kind === word);
  return undefined;
}

/** Hard pairs: each answer shown by both scenes or by neither. */
const presenceMatched = (a: Scene, b: Scene, words: string[]) => words.every((w) => shows(a, w) === shows(b, w));
/** Easy and random pairs: C- does not show the answer. */
const answerAbsent = (neg: Scene, answer: string) => shows(neg, answer) !== true;

const region = (r: Rect): DecisiveSpan => ({ kind: 'region', ...r });

/** Fewest objects that make a question type interesting. */
export function objectCount(rng: Rng, type: QuestionType, max: number): number {
  const lo = type === 'odd-one-out' ? 3 : ['left-right', 'above-below', 'same-colour'].includes(type) ? 2 : 1;
  return rng.int(Math.min(lo, 5), Math.max(lo, Math.min(5, max)));
}

/** A scene and a well-posed question of `type` about it. */
export function sceneWithQuestion(
  rng: Rng,
  type: QuestionType,
  maxObjects: number,
): { scene: Scene; query: string; answer: string } {
  for (let t = 0; ; t++) {
    const scene = randomScene(rng, objectCount(rng, type, maxObjects));
    const query = proposeQuestion(rng, scene, type);
    const answer = answerQuestion(scene, query);
    if (answer !== null) return { scene, query, answer };
    if (t > 10000) throw new Error(`no well-posed ${type} question found`);
  }
}

export interface SceneEdit {
  scene: Scene;
  /** The edited object before and after; null when the edit adds (before) or removes (after) it. */
  before: SceneObject | null;
  after: SceneObject | null;
}

/**
 * One random edit of one object: its colour, kind, size or place changes, or it is removed, or
 * one object is added. It may be a no-op or give an invalid scene; the funnel filters those.
 */
export function randomEdit(rng: Rng, scene: Scene): SceneEdit {
  const attr = rng.pick(['colour', 'kind', 'size', 'move', 'remove', 'add'] as const);
  const objects = scene.objects.slice();
  if (attr === 'add' || objects.length === 0) {
    const o = randomObject(rng);
    return { scene: { objects: [...objects, o] }, before: null, after: o };
  }
  const i = rng.int(0, objects.length - 1);
  const before = objects[i];
  if (attr === 'remove') {
    objects.splice(i, 1);
    return { scene: { objects }, before, after: null };
  }
  const after = { ...before };
  if (attr === 'colour') after.colour = rng.pick(COLOURS);
  else if (attr === 'kind') after.kind = rng.pick(KINDS);
  else if (attr === 'size') after.size = rng.pick(SIZES);
  else if (rng.bool(0.5)) {
    after.x += rng.int(-3, 3);
    after.y += rng.int(-3, 3);
  } else {
    after.x = rng.int(0, IMAGE_SIZE - after.size);
    after.y = rng.int(0, IMAGE_SIZE - after.size);
  }
  objects[i] = after;
  return { scene: { objects }, before, after };
}

/**
 * The images' analog of the document swap: two objects trade their colour (or their shape), so
 * both values stay in the scene and only which object holds which changes. Null when no two
 * objects differ in the attribute or the swapped shapes would overlap.
 */
export function swapEdit(rng: Rng, scene: Scene): { scene: Scene; rects: Rect[]; attr: 'colour' | 'kind' } | null {
  const attr = rng.pick(['colour', 'kind'] as const);
  const idx = scene.objects.map((_, i) => i);
  const cands = idx.flatMap((i) =>
    idx.filter((j) => j > i && scene.objects[i][attr] !== scene.objects[j][attr]).map((j) => [i, j]),
  );
  if (cands.length === 0) return null;
  const [i, j] = rng.pick(cands);
  const objects = scene.objects.map((o) => ({ ...o }));
  const [a, b] = [objects[i], objects[j]];
  if (attr === 'colour') [a.colour, b.colour] = [b.colour, a.colour];
  else [a.kind, b.kind] = [b.kind, a.kind];
  const out = { objects };
  return validScene(out) ? { scene: out, rects: [objectRect(objects[i]), objectRect(objects[j])], attr } : null;
}

/** The pixels an edit may touch: the edited object's old and new squares. */
export function editRect(e: SceneEdit): Rect {
  const rs = [e.before, e.after].filter((o): o is SceneObject => o !== null).map(objectRect);
  return rs.length === 2 ? unionRect(rs[0], rs[1]) : rs[0];
}

const unchanged = (e: SceneEdit) =>
  e.before !== null &&
  e.after !== null &&
  (Object.keys(e.before) as (keyof SceneObject)[]).every((k) => e.before?.[k] === e.after?.[k]);

function basePair(
  id: string,
  query: string,
  answer: string,
  negativeAnswer: string,
  a: Scene,
  b: Scene,
  rect: Rect | Rect[] | null,
  hardness: Pair['hardness'],
  meta: Pair['meta'],
): Pair {
  const r = rect === null ? [] : (Array.isArray(rect) ? rect : [rect]).map(region);
  return {
    id,
    domain: 'image',
    query,
    answer,
    negativeAnswer,
    positive: render(a),
    negative: render(b),
    decisivePositive: r,
    decisiveNegative: r.slice(),
    hardness,
    meta,
  };
}

/** Bounding box of the pixels where two equal-sized images differ. */
export function diffRect(a: Pair['positive'], b: Pair['negative']): Rect | null {
  if (typeof a === 'string' || typeof b === 'string') return null;
  let [x0, y0, x1, y1] = [a.width, a.height, -1, -1];
  for (let p = 0; p < a.width * a.height; p++) {
    const o = p * 3;
    if (a.data[o] === b.data[o] && a.data[o + 1] === b.data[o + 1] && a.data[o + 2] === b.data[o + 2]) continue;
    const x = p % a.width;
    const y = (p - x) / a.width;
    [x0, y0, x1, y1] = [Math.min(x0, x), Math.min(y0, y), Math.max(x1, x), Math.max(y1, y)];
  }
  return x1 < 0 ? null : { x: x0, y: y0, w: x1 - x0 + 1, h: y1 - y0 + 1 };
}

export const EDIT_STAGES = [
  'edit changes the image',
  'edit stays local',
  'question still well-posed',
  'answer changes',
  'verifier',
];
export const SIMILAR_STAGES = [
  'question well-posed',
  'neighbour at or above threshold',
  'neighbour answer differs',
  'verifier',
];
export const EASY_STAGES = ['another scene, question well-posed', 'different answer', 'verifier'];
export const RANDOM_STAGES = ['another item', 'claim false in C-', 'verifier'];
const PRESENCE_HARD = 'answers shown in both or neither';
const PRESENCE_EASY = 'answer not shown in C-';

/** A builder's stages, with the presence stage before the verifier when matchPresence is on. */
const withPresence = (stages: string[], k: ImageKnobs, name: string) =>
  k.matchPresence ? [...stages.slice(0, -1), name, stages[stages.length - 1]] : stages;

type Type = () => QuestionType;

function editPairs(seed: number, n: number, k: ImageKnobs, type: Type, rng: Rng): { pairs: Pair[]; funnel: Funnel } {
  return minePairs({
    rng,
    n,
    stages: withPresence(EDIT_STAGES, k, PRESENCE_HARD),
    maxCandidates: 1000 * n + 1000,
    propose: (r, c) => {
      const t = type();
      const { scene, query, answer } = sceneWithQuestion(r, t, k.objects);
      // With matchPresence, half the candidates are swaps (both values stay in the scene).
      if (k.matchPresence && r.bool(0.5)) {
        const sw = swapEdit(r, scene);
        if (!sw) return reject(0, 'edit-changed-nothing');
        const neg = answerQuestion(sw.scene, query);
        if (neg === null) return reject(2, 'template-mismatch');
        if (neg === answer) return reject(3, 'equal-answers');
        if (!presenceMatched(scene, sw.scene, [answer, neg])) return reject(4, 'answer-leak');
        const pair = basePair(`image-edit-${seed}-${c}`, query, answer, neg, scene, sw.scene, sw.rects, 'hard', {
          method: 'edit',
          question: t,
          edit: `swap-${sw.attr}`,
        });
        return { pair };
      }
      const e = randomEdit(r, scene);
      if (unchanged(e)) return reject(0, 'edit-changed-nothing');
      if (!validScene(e.scene)) return reject(1, 'differs-outside-decisive');
      const neg = answerQuestion(e.scene, query);
      if (neg === null) return reject(2, 'template-mismatch');
      if (neg === answer) return reject(3, 'equal-answers');
      if (k.matchPresence && !presenceMatched(scene, e.scene, [answer, neg])) return reject(4, 'answer-leak');
      const pair = basePair(`image-edit-${seed}-${c}`, query, answer, neg, scene, e.scene, editRect(e), 'hard', {
        method: 'edit',
        question: t,
      });
      return { pair };
    },
  });
}

/** Families of near-duplicate scenes: a base scene and variants a few random edits away. */
export function scenePool(rng: Rng, size: number, maxObjects: number): Scene[] {
  const pool: Scene[] = [];
  while (pool.length < size) {
    const base = randomScene(rng, rng.int(1, Math.max(1, Math.min(5, maxObjects))));
    pool.push(base);
    for (let v = 0; v < 3 && pool.length < size; v++) {
      let s = base;
      for (let t = 0, edits = rng.int(1, 2); edits > 0 && t < 20; t++) {
        const e = randomEdit(rng, s);
        if (validScene(e.scene)) [s, edits] = [e.scene, edits - 1];
      }
      pool.push(s);
    }
  }
  return pool;
}

function similarPairs(seed: number, n: number, k: ImageKnobs, type: Type, rng: Rng): { pairs: Pair[]; funnel: Funnel } {
  const pool = scenePool(rng.fork('pool'), Math.max(k.pool, 4 * n), k.objects);
  const images = pool.map(render);
  const emb = images.map(embedImage);
  const order = rng.shuffle(pool.map((_, i) => i));
  return minePairs({
    rng,
    n,
    stages: withPresence(SIMILAR_STAGES, k, PRESENCE_HARD),
    maxCandidates: order.length,
    verify: { similarityThreshold: k.threshold },
    propose: (r, c) => {
      const i = order[c];
      const t = type();
      const query = proposeQuestion(r, pool[i], t);
      const answer = answerQuestion(pool[i], query);
      if (answer === null) return reject(0, 'template-mismatch');
      const near = pool
        .map((_, j) => ({ j, cos: j === i ? -1 : cosine(emb[i], emb[j]) }))
        .filter((x) => x.cos >= k.threshold)
        .sort((a, b) => b.cos - a.cos || a.j - b.j);
      if (near.length === 0) return reject(1, 'similarity-below-threshold');
      const hit = near.find((x) => {
        const b = answerQuestion(pool[x.j], query);
        return b !== null && b !== answer;
      });
      if (!hit) return reject(2, 'equal-answers');
      const neg = answerQuestion(pool[hit.j], query) as string;
      if (k.matchPresence && !presenceMatched(pool[i], pool[hit.j], [answer, neg])) return reject(3, 'answer-leak');
      const rect = diffRect(images[i], images[hit.j]);
      const pair = basePair(`image-similar-${seed}-${c}`, query, answer, neg, pool[i], pool[hit.j], rect, 'hard', {
        method: 'similar',
        question: t,
        similarity: Number(hit.cos.toFixed(4)),
      });
      return { pair };
    },
  });
}

function easyPairs(seed: number, n: number, k: ImageKnobs, type: Type, rng: Rng): { pairs: Pair[]; funnel: Funnel } {
  return minePairs({
    rng,
    n,
    stages: withPresence(EASY_STAGES, k, PRESENCE_EASY),
    maxCandidates: 1000 * n + 1000,
    propose: (r, c) => {
      const t = type();
      const { scene, query, answer } = sceneWithQuestion(r, t, k.objects);
      const other = randomScene(r, objectCount(r, t, k.objects));
      const neg = answerQuestion(other, query);
      if (neg === null) return reject(0, 'template-mismatch');
      if (neg === answer) return reject(1, 'equal-answers');
      if (k.matchPresence && !answerAbsent(other, answer)) return reject(2, 'answer-fact-in-negative');
      const pair = basePair(`image-easy-${seed}-${c}`, query, answer, neg, scene, other, null, 'easy', {
        method: 'easy',
        question: t,
      });
      return { pair };
    },
  });
}

/**
 * Random: C- is the scene of an unrelated item (its own question type and objects), kept when it
 * does not support the anchor's claim; negativeAnswer is its answer to the anchor's question, or
 * its own answer where that question is ill-posed on it.
 */
function randomPairs(seed: number, n: number, k: ImageKnobs, type: Type, rng: Rng): { pairs: Pair[]; funnel: Funnel } {
  return minePairs({
    rng,
    n,
    stages: withPresence(RANDOM_STAGES, k, PRESENCE_EASY),
    maxCandidates: 1000 * n + 1000,
    propose: (r, c) => {
      const t = type();
      const { scene, query, answer } = sceneWithQuestion(r, t, k.objects);
      const o = r.fork('random');
      const other = sceneWithQuestion(o, o.pick(QUESTION_TYPES), k.objects);
      const neg = answerQuestion(other.scene, query) ?? other.answer;
      if (neg === answer) return reject(1, 'equal-answers');
      if (k.matchPresence && !answerAbsent(other.scene, answer)) return reject(2, 'answer-fact-in-negative');
      const pair = basePair(`image-random-${seed}-${c}`, query, answer, neg, scene, other.scene, null, 'easy', {
        method: 'random',
        question: t,
        negativeQuery: other.query,
      });
      return { pair };
    },
  });
}

export function imagePairs(
  seed: number,
  n: number,
  k: ImageKnobs,
  hardness: PairHardness,
  types: readonly QuestionType[],
): { pairs: Pair[]; funnel: Funnel } {
  const rng = new Rng(seed).fork(`image-pairs-${hardness}-${k.method}`);
  const pickType = rng.fork('types');
  const type: Type = () => (k.question === 'any' ? pickType.pick(types) : k.question);
  if (hardness === 'easy') return easyPairs(seed, n, k, type, rng);
  if (hardness === 'random') return randomPairs(seed, n, k, type, rng);
  if (k.method === 'edit') return editPairs(seed, n, k, type, rng);
  if (k.method === 'similar') return similarPairs(seed, n, k, type, rng);
  // mixed: half of each, the funnels added stage by stage (the stage lists differ, so keep both).
  const a = editPairs(seed, Math.ceil(n / 2), k, type, rng.fork('edit'));
  const b = similarPairs(seed, n - a.pairs.length, k, type, rng.fork('similar'));
  const rejections = { ...a.funnel.rejections };
  for (const [key, v] of Object.entries(b.funnel.rejections))
    rejections[key as keyof typeof rejections] = (rejections[key as keyof typeof rejections] ?? 0) + (v ?? 0);
  return {
    pairs: [...a.pairs, ...b.pairs],
    funnel: {
      candidates: a.funnel.candidates + b.funnel.candidates,
      stages: [
        ...a.funnel.stages.map((s) => ({ name: `edit: ${s.name}`, kept: s.kept })),
        ...b.funnel.stages.map((s) => ({ name: `similar: ${s.name}`, kept: s.kept })),
      ],
      rejections,
      kept: a.funnel.kept + b.funnel.kept,
    },
  };
}
