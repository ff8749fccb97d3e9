/**
 * PNG encoding and decoding of RGB images (fast-png: pure JS, works in Node and the browser).
 * Decoding reads the header first: the size, the format and the amount of compressed data are
 * checked before a single pixel is inflated, so a 7000x7000 image (or a zlib bomb labelled 24x24)
 * costs a few hundred bytes of parsing, not seconds and a gigabyte.
 */
import { decode, encode } from 'fast-png';
import type { RGBImage } from './types.ts';

export function encodeImagePng(img: RGBImage): Uint8Array {
  return encode({ width: img.width, height: img.height, data: img.data, channels: 3, depth: 8 });
}

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
/** PNG colour types and their channels: grey, RGB, indexed, grey+alpha, RGBA. */
const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

export interface PngHeader {
  width: number;
  height: number;
  bitDepth: number;
  colorType: number;
  /** Compressed image data (the IDAT chunks) in bytes. */
  dataBytes: number;
}

/** The IHDR fields and the IDAT size of PNG bytes, from the chunk list alone (nothing is inflated). */
export function readPngHeader(bytes: Uint8Array): PngHeader | { error: string } {
  if (bytes.length < 33 || SIGNATURE.some((b, i) => bytes[i] !== b))
    return { error: 'not a decodable PNG (bad signature)' };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const type = (at: number) => String.fromCharCode(...bytes.subarray(at, at + 4));
  if (type(12) !== 'IHDR' || view.getUint32(8) !== 13)
    return { error: 'not a decodable PNG (IHDR is not the first chunk)' };
  const header = {
    width: view.getUint32(16),
    height: view.getUint32(20),
    bitDepth: bytes[24],
    colorType: bytes[25],
    dataBytes: 0,
  };
  let at = 8;
  while (at + 8 <= bytes.length) {
    const len = view.getUint32(at);
    const t = type(at + 4);
    if (t === 'IDAT') header.dataBytes += len;
    if (t === 'IEND') return header;
    at += 12 + len;
  }
  return at === bytes.length ? header : { error: 'not a decodable PNG (a chunk runs past the end of the file)' };
}

export interface PngLimits {
  /** The only accepted size (images of the lab are IMAGE_SIZE x IMAGE_SIZE). */
  width?: number;
  height?: number;
}

/**
 * An 8-bit RGB image from PNG bytes (RGBA has its alpha dropped), or why not. With limits, the size
 * is checked from the header before decoding, and so is the compressed data's size: more than an
 * image of that size can need (its raw bytes, stored uncompressed, plus framing) is refused.
 */
export function decodeImagePng(bytes: Uint8Array, limits: PngLimits = {}): { image: RGBImage } | { error: string } {
  const h = readPngHeader(bytes);
  if ('error' in h) return h;
  const channels = CHANNELS[h.colorType];
  if (h.bitDepth !== 8 || (channels !== 3 && channels !== 4))
    return {
      error: `PNG must be 8-bit RGB or RGBA (got ${channels ?? '?'} channels, depth ${h.bitDepth}${h.colorType === 3 ? ', indexed' : ''})`,
    };
  const { width, height } = limits;
  if ((width !== undefined && h.width !== width) || (height !== undefined && h.height !== height))
    return { error: `image must be ${width ?? h.width}x${height ?? h.height} (got ${h.width}x${h.height})` };
  const raw = h.height * (1 + h.width * channels);
  // Stored (uncompressed) deflate blocks add 5 bytes per 65535, zlib 6 bytes: a valid stream never needs more.
  const most = raw + 5 * Math.ceil(raw / 65535) + 64;
  if (width !== undefined && height !== undefined && h.dataBytes > most)
    return { error: `PNG holds ${h.dataBytes} bytes of image data, more than a ${h.width}x${h.height} image needs` };
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
  if (png.data.length < n * png.channels) return { error: 'not a decodable PNG (too little image data)' };
  const data = new Uint8Array(n * 3);
  for (let i = 0; i < n; i++) for (let c = 0; c < 3; c++) data[i * 3 + c] = png.data[i * png.channels + c];
  return { image: { width: png.width, height: png.height, data } };
}
