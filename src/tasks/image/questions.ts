/**
 * Twelve question types about a scene, each answered by one vocabulary word. `answerQuestion`
 * parses the query text and answers from a scene description, so the same function answers
 * from the generator's scene and from a scene parsed back out of the pixels (parse.ts).
 * It returns null when the question is not well-posed for the scene (a referent missing or
 * not unique, a comparison too close to call).
 */
import type { Rng } from '../rng.ts';
import { COLOURS, IMAGE_SIZE, KINDS, type Colour, type Kind, type Scene, type SceneObject } from './scene.ts';

export const QUESTION_TYPES = [
  'colour-of-shape',
  'shape-of-colour',
  'count-colour',
  'count-shape',
  'left-right',
  'above-below',
  'largest',
  'exists',
  'odd-one-out',
  'same-colour',
  'total-count',
  'position',
] as const;
export type QuestionType = (typeof QUESTION_TYPES)[number];

export const QUADRANTS = ['top-left', 'top-right', 'bottom-left', 'bottom-right'] as const;
export const QUESTION_WORDS = [
  'colour',
  'of',
  'shape',
  'how',
  'many',
  'left',
  'or',
  'right',
  'above',
  'below',
  'largest',
  'is',
  'there',
  'a',
  'odd',
  'same',
  'and',
  'objects',
  'where',
];
export const ANSWER_WORDS = [
  'yes',
  'no',
  'left',
  'right',
  'above',
  'below',
  ...QUADRANTS,
  '0',
  '1',
  '2',
  '3',
  '4',
  '5',
];

const isColour = (w: string): w is Colour => (COLOURS as readonly string[]).includes(w);
const isKind = (w: string): w is Kind => (KINDS as readonly string[]).includes(w);
const centre = (o: SceneObject) => ({ x: o.x + o.size / 2, y: o.y + o.size / 2 });
const only = <T>(xs: T[]): T | null => (xs.length === 1 ? xs[0] : null);
const yesNo = (b: boolean) => (b ? 'yes' : 'no');
/** Centres closer than this along an axis are too close to call left/right or above/below. */
const MIN_GAP = 2;

export function questionType(query: string): QuestionType | null {
  const w = query.split(' ');
  const s = query;
  if (s === 'colour of largest') return 'largest';
  if (s === 'colour of odd shape') return 'odd-one-out';
  if (s === 'how many objects') return 'total-count';
  if (w.length === 3 && w[0] === 'colour' && w[1] === 'of' && isKind(w[2])) return 'colour-of-shape';
  if (w.length === 3 && w[0] === 'shape' && w[1] === 'of' && isColour(w[2])) return 'shape-of-colour';
  if (w.length === 3 && w[0] === 'how' && w[1] === 'many')
    return isColour(w[2]) ? 'count-colour' : isKind(w[2]) ? 'count-shape' : null;
  if (w.length === 6 && isColour(w[0]) && w[2] === 'or' && w[4] === 'of' && isColour(w[5])) {
    return w[1] === 'left' ? 'left-right' : w[1] === 'above' ? 'above-below' : null;
  }
  if (w.length === 5 && s.startsWith('is there a ') && isColour(w[3]) && isKind(w[4])) return 'exists';
  if (w.length === 5 && w[0] === 'same' && w[1] === 'colour' && w[3] === 'and' && isKind(w[2]) && isKind(w[4]))
    return 'same-colour';
  if (w.length === 3 && w[0] === 'where' && w[1] === 'is' && isColour(w[2])) return 'position';
  return null;
}

export function answerQuestion(scene: Scene, query: string): string | null {
  const t = questionType(query);
  const w = query.split(' ');
  const objs = scene.objects;
  const byColour = (c: string) => objs.filter((o) => o.colour === c);
  const byKind = (k: string) => objs.filter((o) => o.kind === k);
  switch (t) {
    case 'colour-of-shape':
      return only(byKind(w[2]))?.colour ?? null;
    case 'shape-of-colour':
      return only(byColour(w[2]))?.kind ?? null;
    case 'count-colour':
      return String(byColour(w[2]).length);
    case 'count-shape':
      return String(byKind(w[2]).length);
    case 'left-right':
    case 'above-below': {
      const a = only(byColour(w[0]));
      const b = only(byColour(w[5]));
      if (!a || !b || a === b) return null;
      const axis = t === 'left-right' ? 'x' : 'y';
      const d = centre(a)[axis] - centre(b)[axis];
      if (Math.abs(d) < MIN_GAP) return null;
      return t === 'left-right' ? (d < 0 ? 'left' : 'right') : d < 0 ? 'above' : 'below';
    }
    case 'largest': {
      const max = Math.max(...objs.map((o) => o.size));
      return only(objs.filter((o) => o.size === max))?.colour ?? null;
    }
    case 'exists':
      return yesNo(objs.some((o) => o.colour === w[3] && o.kind === w[4]));
    case 'odd-one-out': {
      if (objs.length < 3) return null;
      const kinds = KINDS.map((k) => byKind(k)).filter((g) => g.length > 0);
      if (kinds.length !== 2) return null;
      return only(kinds.filter((g) => g.length === 1))?.[0].colour ?? null;
    }
    case 'same-colour': {
      const a = only(byKind(w[2]));
      const b = only(byKind(w[4]));
      return a && b && a !== b ? yesNo(a.colour === b.colour) : null;
    }
    case 'total-count':
      return String(objs.length);
    case 'position': {
      const o = only(byColour(w[2]));
      if (!o) return null;
      const c = centre(o);
      const mid = IMAGE_SIZE / 2;
      if (Math.abs(c.x - mid) < 1 || Math.abs(c.y - mid) < 1) return null;
      return `${c.y < mid ? 'top' : 'bottom'}-${c.x < mid ? 'left' : 'right'}`;
    }
    default:
      return null;
  }
}

/** A query of the given type about this scene (it may still be ill-posed: check the answer). */
export function proposeQuestion(rng: Rng, scene: Scene, type: QuestionType): string {
  const objs = scene.objects;
  const some = <T>(f: (o: SceneObject) => T, all: readonly T[]) =>
    objs.length && rng.bool(0.8) ? f(rng.pick(objs)) : rng.pick(all);
  switch (type) {
    case 'colour-of-shape':
      return `colour of ${some((o) => o.kind, KINDS)}`;
    case 'shape-of-colour':
      return `shape of ${some((o) => o.colour, COLOURS)}`;
    case 'count-colour':
      return `how many ${some((o) => o.colour, COLOURS)}`;
    case 'count-shape':
      return `how many ${some((o) => o.kind, KINDS)}`;
    case 'left-right':
    case 'above-below': {
      const [a, b] = objs.length >= 2 ? rng.sample(objs, 2).map((o) => o.colour) : rng.sample(COLOURS, 2);
      return `${a} ${type === 'left-right' ? 'left' : 'above'} or ${type === 'left-right' ? 'right' : 'below'} of ${b}`;
    }
    case 'largest':
      return 'colour of largest';
    case 'exists': {
      if (objs.length && rng.bool(0.5)) {
        const o = rng.pick(objs);
        return `is there a ${o.colour} ${o.kind}`;
      }
      return `is there a ${rng.pick(COLOURS)} ${rng.pick(KINDS)}`;
    }
    case 'odd-one-out':
      return 'colour of odd shape';
    case 'same-colour': {
      const [a, b] = rng.sample(KINDS, 2);
      return `same colour ${a} and ${b}`;
    }
    case 'total-count':
      return 'how many objects';
    case 'position':
      return `where is ${some((o) => o.colour, COLOURS)}`;
  }
}
