/** PNG encoding and decoding of RGB images (fast-png: pure JS, works in Node and the browser). */
import { decode, encode } from 'fast-png';
import type { RGBImage } from './types.ts';

export function encodeImagePng(img: RGBImage): Uint8Array {
  return encode({ width: img.width, height: img.height, data: img.data, channels: 3, depth: 8 });
}

/** An 8-bit RGB image from PNG bytes (RGBA has its alpha dropped), or why not. */
export function decodeImagePng(bytes: Uint8Array): { image: RGBImage } | { error: string } {
  let png: ReturnType<typeof decode>;
  try {
    png = decode(bytes);
  } catch (e) {
    return { error: `not a decodable PNG (${e instanceof Error ? e.message : String(e)})` };
  }
  if (png.depth !== 8 || png.palette || (png.channels !== 3 && png.channels !== 4)) {
    return {
      error: `PNG must be 8-bit RGB or RGBA (got ${png.channels} channels, depth ${png.depth}${png.palette ? ', indexed' : ''})`,
    };
  }
  const n = png.width * png.height;
  const data = new Uint8Array(n * 3);
  for (let i = 0; i < n; i++) for (let c = 0; c < 3; c++) data[i * 3 + c] = png.data[i * png.channels + c];
  return { image: { width: png.width, height: png.height, data } };
}
