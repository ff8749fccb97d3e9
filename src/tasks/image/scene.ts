/**
 * Procedural 24x24 RGB scenes: a few non-touching shapes (square, circle, triangle) in five
 * colours and three sizes on a dark background. Shapes keep a one-pixel gap, so every object is
 * its own connected component and an edit of one object cannot touch another's pixels.
 */
import type { RGBImage } from '../types.ts';
import type { Rng } from '../rng.ts';

export const IMAGE_SIZE = 24;
export const COLOURS = ['red', 'green', 'blue', 'yellow', 'white'] as const;
export const KINDS = ['square', 'circle', 'triangle'] as const;
export const SIZES = [4, 6, 8] as const;
export type Colour = (typeof COLOURS)[number];
export type Kind = (typeof KINDS)[number];

export const PALETTE: Record<Colour, readonly [number, number, number]> = {
  red: [220, 40, 40],
  green: [40, 200, 70],
  blue: [50, 90, 235],
  yellow: [235, 210, 40],
  white: [240, 240, 240],
};
export const BACKGROUND: readonly [number, number, number] = [16, 16, 20];

export interface SceneObject {
  colour: Colour;
  kind: Kind;
  /** Side of the bounding square in pixels. */
  size: number;
  /** Top-left corner of the bounding square. */
  x: number;
  y: number;
}

export interface Scene {
  objects: SceneObject[];
}

export interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** Is pixel (dx, dy) of an object's bounding square part of the shape? */
export function inShape(kind: Kind, size: number, dx: number, dy: number): boolean {
  if (kind === 'square') return true;
  if (kind === 'triangle') return dx <= dy; // right triangle, fill ratio (s+1)/2s <= 0.625
  const c = (size - 1) / 2;
  const r = size / 2;
  return (dx - c) ** 2 + (dy - c) ** 2 <= r * r; // fill ratio >= 0.75
}

export function objectRect(o: SceneObject): Rect {
  return { x: o.x, y: o.y, w: o.size, h: o.size };
}

export function unionRect(a: Rect, b: Rect): Rect {
  const x = Math.min(a.x, b.x);
  const y = Math.min(a.y, b.y);
  return { x, y, w: Math.max(a.x + a.w, b.x + b.w) - x, h: Math.max(a.y + a.h, b.y + b.h) - y };
}

function inBounds(o: SceneObject): boolean {
  return o.x >= 0 && o.y >= 0 && o.x + o.size <= IMAGE_SIZE && o.y + o.size <= IMAGE_SIZE;
}

/** Bounding squares, grown by the one-pixel gap, do not overlap. */
function apart(a: SceneObject, b: SceneObject): boolean {
  return a.x + a.size + 1 <= b.x || b.x + b.size + 1 <= a.x || a.y + a.size + 1 <= b.y || b.y + b.size + 1 <= a.y;
}

/** Every object inside the frame and apart from every other. */
export function validScene(s: Scene): boolean {
  return s.objects.every((o, i) => inBounds(o) && s.objects.every((p, j) => j <= i || apart(o, p)));
}

export function render(s: Scene): RGBImage {
  const n = IMAGE_SIZE;
  const data = new Uint8Array(n * n * 3);
  for (let i = 0; i < n * n; i++) data.set(BACKGROUND, i * 3);
  for (const o of s.objects) {
    for (let dy = 0; dy < o.size; dy++) {
      for (let dx = 0; dx < o.size; dx++) {
        if (inShape(o.kind, o.size, dx, dy)) data.set(PALETTE[o.colour], ((o.y + dy) * n + o.x + dx) * 3);
      }
    }
  }
  return { width: n, height: n, data };
}

export function randomObject(rng: Rng): SceneObject {
  const size = rng.pick(SIZES);
  return {
    colour: rng.pick(COLOURS),
    kind: rng.pick(KINDS),
    size,
    x: rng.int(0, IMAGE_SIZE - size),
    y: rng.int(0, IMAGE_SIZE - size),
  };
}

/** A scene with `count` objects placed by rejection sampling. */
export function randomScene(rng: Rng, count: number): Scene {
  const objects: SceneObject[] = [];
  for (let tries = 0; objects.length < count && tries < 500; tries++) {
    const o = randomObject(rng);
    if (validScene({ objects: [...objects, o] })) objects.push(o);
  }
  return { objects };
}
