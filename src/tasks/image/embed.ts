/**
 * The fixed image embedding for similarity-search pairs: 6x6 block means of each channel
 * (108 values) and a histogram of the object colours (background left out, so it does not
 * dominate), each part unit length and weighted 1/2, so cosine = (cos_pixels + cos_colours) / 2.
 */
import type { RGBImage } from '../types.ts';
import { COLOURS, PALETTE } from './scene.ts';

const BLOCK = 4;

export function embedImage(img: RGBImage): Float64Array {
  const bw = Math.ceil(img.width / BLOCK);
  const bh = Math.ceil(img.height / BLOCK);
  const pix = new Float64Array(bw * bh * 3);
  const cnt = new Float64Array(bw * bh);
  const hist = new Float64Array(COLOURS.length);
  for (let y = 0; y < img.height; y++) {
    for (let x = 0; x < img.width; x++) {
      const o = (y * img.width + x) * 3;
      const b = Math.floor(y / BLOCK) * bw + Math.floor(x / BLOCK);
      cnt[b]++;
      for (let c = 0; c < 3; c++) pix[b * 3 + c] += img.data[o + c] / 255;
      const ci = COLOURS.findIndex((name) => {
        const p = PALETTE[name];
        return p[0] === img.data[o] && p[1] === img.data[o + 1] && p[2] === img.data[o + 2];
      });
      if (ci >= 0) hist[ci]++;
    }
  }
  for (let b = 0; b < cnt.length; b++) for (let c = 0; c < 3; c++) pix[b * 3 + c] /= cnt[b];
  const out = new Float64Array(pix.length + hist.length);
  const put = (v: Float64Array, off: number) => {
    const n = Math.hypot(...v);
    if (n > 0) for (let i = 0; i < v.length; i++) out[off + i] = (v[i] / n) * Math.SQRT1_2;
  };
  put(pix, 0);
  put(hist, pix.length);
  return out;
}

export function cosine(a: Float64Array, b: Float64Array): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  return na > 0 && nb > 0 ? dot / Math.sqrt(na * nb) : 0;
}

export function imageSimilarity(a: RGBImage, b: RGBImage): number {
  return cosine(embedImage(a), embedImage(b));
}
