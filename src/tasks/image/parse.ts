/**
 * Reading a scene back out of the pixels: 4-connected components of one palette colour, the
 * bounding square gives size and place, the fill ratio gives the kind (square 1, circle >= 0.75,
 * right triangle <= 0.625). Tests answer every question from the parsed scene to check that the
 * stated answer is what the image shows.
 */
import type { RGBImage } from '../types.ts';
import { COLOURS, PALETTE, type Colour, type Scene, type SceneObject } from './scene.ts';

function colourAt(img: RGBImage, i: number): Colour | null {
  const o = i * 3;
  return (
    COLOURS.find(
      (c) => PALETTE[c][0] === img.data[o] && PALETTE[c][1] === img.data[o + 1] && PALETTE[c][2] === img.data[o + 2],
    ) ?? null
  );
}

/** The scene an image shows, or null when a component is not one of the known shapes. */
export function parseImage(img: RGBImage): Scene | null {
  const { width: w, height: h } = img;
  const seen = new Uint8Array(w * h);
  const objects: SceneObject[] = [];
  for (let start = 0; start < w * h; start++) {
    const colour = colourAt(img, start);
    if (seen[start] || !colour) continue;
    let area = 0;
    let [x0, y0, x1, y1] = [w, h, -1, -1];
    const stack = [start];
    seen[start] = 1;
    while (stack.length) {
      const p = stack.pop() as number;
      const x = p % w;
      const y = (p - x) / w;
      area++;
      [x0, y0, x1, y1] = [Math.min(x0, x), Math.min(y0, y), Math.max(x1, x), Math.max(y1, y)];
      const next = [x > 0 ? p - 1 : -1, x < w - 1 ? p + 1 : -1, y > 0 ? p - w : -1, y < h - 1 ? p + w : -1];
      for (const q of next) {
        if (q >= 0 && !seen[q] && colourAt(img, q) === colour) {
          seen[q] = 1;
          stack.push(q);
        }
      }
    }
    const size = x1 - x0 + 1;
    if (size !== y1 - y0 + 1) return null;
    const fill = area / (size * size);
    const kind = fill === 1 ? 'square' : fill >= 0.7 ? 'circle' : 'triangle';
    objects.push({ colour, kind, size, x: x0, y: y0 });
  }
  return { objects };
}
