/**
 * The image domain (the visual-QA analogue): 24x24 RGB scenes of a few shapes and twelve
 * question types, each answered by one word. One encoded example,
 * `imageDomain.items(1, 1, { question: 'colour-of-shape' })[0]`:
 *
 *   scene    green-circle-6@8,7 blue-square-6@1,7     (colour-kind-size@x,y; dark background)
 *   query    colour of circle
 *   answer   green
 *   prompt   <img> | colour of circle ->              (images: [the 24x24 scene])
 *
 * An edit pair recolours, reshapes, resizes or moves one object (or removes or adds one) so the
 * answer changes and no pixel outside that object's old and new squares moves.
 */
import { PAIR_HARDNESS, type Domain, type KnobSpec, type Knobs, type PairHardness, type RLItem } from '../types.ts';
import { Rng } from '../rng.ts';
import { PROMPT_VOCABULARY } from '../prompts.ts';
import { exactReward, resolveKnobs } from '../knobs.ts';
import { COLOURS, KINDS, objectRect, render } from './scene.ts';
import { ANSWER_WORDS, QUESTION_TYPES, QUESTION_WORDS, type QuestionType } from './questions.ts';
import { imagePairs, sceneWithQuestion, type ImageKnobs } from './pairs.ts';

export const IMAGE_KNOBS: KnobSpec[] = [
  {
    name: 'question',
    default: 'any',
    options: ['any', ...QUESTION_TYPES],
    help: 'Which of the twelve question types to ask (any: a random one per item).',
  },
  {
    name: 'objects',
    default: 3,
    min: 1,
    max: 5,
    help: 'Most shapes in a scene (some question types need at least two or three).',
  },
  {
    name: 'method',
    default: 'edit',
    options: ['edit', 'similar', 'mixed'],
    help: 'Pairs only: a localized edit of one object, similarity search in a pool, or half of each.',
  },
  {
    name: 'threshold',
    default: 0.85,
    min: 0,
    max: 1,
    help: 'Pairs only: the smallest embedding cosine for a similarity-search pair.',
  },
  {
    name: 'pool',
    default: 400,
    min: 20,
    max: 20000,
    help: 'Pairs only: scenes in the similarity-search pool (at least 4 per requested pair).',
  },
  {
    name: 'matchPresence',
    default: false,
    help: "Pairs only: hard pairs show each colour or shape answer in both scenes or neither, easy ones never show the answer's in C-.",
  },
  {
    name: 'hardness',
    default: 'hard',
    options: [...PAIR_HARDNESS],
    help: 'Pairs only: hard pairs differ where the answer is decided, easy ones are unrelated scenes, random ones other items.',
  },
];

export function imageKnobs(knobs?: Knobs): ImageKnobs & { hardness: PairHardness } {
  const k = resolveKnobs('image', IMAGE_KNOBS, knobs);
  return {
    question: k.question as QuestionType | 'any',
    objects: k.objects as number,
    method: k.method as ImageKnobs['method'],
    threshold: k.threshold as number,
    pool: k.pool as number,
    matchPresence: k.matchPresence as boolean,
    hardness: k.hardness as PairHardness,
  };
}

export function imageItems(seed: number, n: number, knobs?: Knobs): RLItem[] {
  const k = imageKnobs(knobs);
  const rng = new Rng(seed).fork('image-items');
  return Array.from({ length: n }, (_, i) => {
    const r = rng.fork(i);
    const type = k.question === 'any' ? r.pick(QUESTION_TYPES) : k.question;
    const { scene, query, answer } = sceneWithQuestion(r, type, k.objects);
    // The objects the question is about decide it; for counts that is every object.
    const about = scene.objects.filter((o) => query.split(' ').some((w) => w === o.colour || w === o.kind));
    const decisive = (about.length ? about : scene.objects).map((o) => ({ kind: 'region' as const, ...objectRect(o) }));
    return {
      id: `image-${seed}-${i}`,
      domain: 'image',
      query,
      context: '',
      image: render(scene),
      answer,
      decisive,
      meta: {
        question: type,
        objects: scene.objects.length,
        scene: scene.objects.map((o) => `${o.colour}-${o.kind}-${o.size}@${o.x},${o.y}`).join(' '),
      },
    };
  });
}

export function imageVocabulary(): string[] {
  return [...new Set<string>([...COLOURS, ...KINDS, ...QUESTION_WORDS, ...ANSWER_WORDS, PROMPT_VOCABULARY[6]])].sort();
}

export const imageDomain: Domain = {
  name: 'image',
  vocabulary: imageVocabulary(),
  knobs: IMAGE_KNOBS,
  items: imageItems,
  pairs(seed, n, knobs) {
    const k = imageKnobs(knobs);
    return imagePairs(seed, n, k, k.hardness, QUESTION_TYPES);
  },
  reward: (item, completion) => exactReward(item.answer, completion),
};

export { answerQuestion, proposeQuestion, questionType, QUESTION_TYPES, QUADRANTS } from './questions.ts';
export type { QuestionType } from './questions.ts';
export { BACKGROUND, COLOURS, IMAGE_SIZE, KINDS, PALETTE, SIZES, randomScene, render, validScene } from './scene.ts';
export type { Colour, Kind, Rect, Scene, SceneObject } from './scene.ts';
export { parseImage } from './parse.ts';
export { cosine, embedImage, imageSimilarity } from './embed.ts';
export { diffRect, imagePairs, randomEdit, scenePool, sceneWithQuestion } from './pairs.ts';
export type { ImageKnobs } from './pairs.ts';
