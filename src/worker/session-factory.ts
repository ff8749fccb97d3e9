/**
 * How the worker (and the main-thread fallback) opens a run session: the bundled base model of the
 * run's preset is fetched from `${baseUrl}models/<name>.ckpt`. A missing file is an error that
 * names it (a run silently warm-started from scratch would not be the run the preset describes).
 */
import { PRESETS } from '../config/presets.ts';
import { createRunSession } from '../runtime/session.ts';
import type { RunSessionLike } from '../runtime/session-types.ts';
import type { SessionRequest } from './handler.ts';

const cache = new Map<string, Promise<ArrayBuffer>>();

/**
 * The bundled base model's bytes, or an error naming the file. A single-page-app server answers a
 * missing file with index.html and status 200, so the content type counts as much as the status.
 */
async function fetchBase(url: string): Promise<ArrayBuffer> {
  const missing = (why: string) =>
    new Error(
      `the bundled base model ${url} is missing (${why}), so the run cannot start from it: serve the app with ` +
        'its models folder (public/models, written by npm run pretrain)',
    );
  let res: Response;
  try {
    res = await fetch(url);
  } catch (e) {
    throw missing(`it could not be fetched: ${(e as Error).message ?? String(e)}`);
  }
  if (!res.ok) throw missing(`HTTP ${res.status}`);
  if ((res.headers.get('content-type') ?? '').includes('text/html')) throw missing('the server answered with a page');
  return await res.arrayBuffer();
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
    if (!cache.has(url)) {
      const p = fetchBase(url);
      cache.set(url, p);
      p.catch(() => cache.delete(url)); // a later run tries again
    }
    base = (await cache.get(url)!).slice(0);
  }
  return createRunSession(req.config, { baseModel: base, backend: req.backend });
}
