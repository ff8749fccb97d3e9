/**
 * How the worker (and the main-thread fallback) opens a run session: the bundled base model of the
 * run's preset is fetched from `${baseUrl}models/<name>.ckpt`; without one the run warm-starts
 * from scratch and says so in its first progress.
 */
import { PRESETS } from '../config/presets.ts';
import { createRunSession } from '../runtime/session.ts';
import type { RunSessionLike } from '../runtime/session-types.ts';
import type { SessionRequest } from './handler.ts';

const cache = new Map<string, Promise<ArrayBuffer | undefined>>();

/**
 * The bundled base model, or undefined when there is none. A single-page-app server answers a
 * missing file with index.html and status 200, so the content type decides, not the status.
 */
async function fetchBase(url: string): Promise<ArrayBuffer | undefined> {
  try {
    const res = await fetch(url);
    if (!res.ok || (res.headers.get('content-type') ?? '').includes('text/html')) return undefined;
    return await res.arrayBuffer();
  } catch {
    return undefined;
  }
}

export async function createWorkerSession(req: SessionRequest): Promise<RunSessionLike> {
  if (req.checkpoint) return createRunSession(req.config, { checkpoint: req.checkpoint, backend: req.backend });
  // A preset's bundled model only serves its own domain (a trace model cannot read images).
  const preset = PRESETS[req.config.preset];
  const name =
    preset && preset.config.domain === req.config.domain ? (preset.baseModel ?? req.config.domain) : req.config.domain;
  let base: ArrayBuffer | undefined;
  if (req.baseUrl !== undefined) {
    const url = `${req.baseUrl}models/${name}.ckpt`;
    if (!cache.has(url)) cache.set(url, fetchBase(url));
    const b = await cache.get(url)!;
    base = b?.slice(0);
  }
  return createRunSession(req.config, { baseModel: base, backend: req.backend });
}
