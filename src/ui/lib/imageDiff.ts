/** Pixel difference between two RGB images: a mask, its bounding box and a count. */
import type { RGBImage } from '../../tasks/types.ts';

export interface ImageDiff {
  width: number;
  height: number;
  /** 1 where any channel differs by more than `threshold`, row-major. */
  mask: Uint8Array;
  changed: number;
  /** Bounding box of the changed pixels, or null when identical. */
  box: { x: number; y: number; w: number; h: number } | null;
}

export function imageDiff(a: RGBImage, b: RGBImage, threshold = 0): ImageDiff {
  if (a.width !== b.width || a.height !== b.height)
    throw new Error(`images differ in size (${a.width}x${a.height} vs ${b.width}x${b.height})`);
  const { width, height } = a;
  const mask = new Uint8Array(width * height);
  let changed = 0;
  let x0 = width,
    y0 = height,
    x1 = -1,
    y1 = -1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const p = y * width + x;
      const o = p * 3;
      const d = Math.max(
        Math.abs(a.data[o] - b.data[o]),
        Math.abs(a.data[o + 1] - b.data[o + 1]),
        Math.abs(a.data[o + 2] - b.data[o + 2]),
      );
      if (d > threshold) {
        mask[p] = 1;
        changed++;
        if (x < x0) x0 = x;
        if (y < y0) y0 = y;
        if (x > x1) x1 = x;
        if (y > y1) y1 = y;
      }
    }
  }
  return { width, height, mask, changed, box: changed ? { x: x0, y: y0, w: x1 - x0 + 1, h: y1 - y0 + 1 } : null };
}

/** RGBA bytes for a canvas ImageData: the image, optionally dimmed outside the mask with changed pixels tinted. */
export function toRgba(img: RGBImage, mask?: Uint8Array): Uint8ClampedArray {
  const out = new Uint8ClampedArray(img.width * img.height * 4);
  for (let p = 0; p < img.width * img.height; p++) {
    let r = img.data[p * 3],
      g = img.data[p * 3 + 1],
      b = img.data[p * 3 + 2];
    if (mask) {
      if (mask[p]) {
        r = 255;
        g = Math.round(g * 0.3);
        b = 255;
      } else {
        r = Math.round(r * 0.35 + 160);
        g = Math.round(g * 0.35 + 160);
        b = Math.round(b * 0.35 + 160);
      }
    }
    out[p * 4] = r;
    out[p * 4 + 1] = g;
    out[p * 4 + 2] = b;
    out[p * 4 + 3] = 255;
  }
  return out;
}
