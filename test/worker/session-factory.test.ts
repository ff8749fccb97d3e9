/** A missing bundled base model is an error that names the file, never a silent start from scratch. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseRunConfig } from '../../src/config/run-config.ts';
import { createWorkerSession } from '../../src/worker/session-factory.ts';

afterEach(() => vi.unstubAllGlobals());

const config = parseRunConfig({ preset: 'trace-default', domain: 'trace', steps: 2, evalEvery: 0 });

describe('createWorkerSession', () => {
  it.each([
    ['a 404', () => new Response('not found', { status: 404 }), /models\/trace\.ckpt is missing \(HTTP 404\)/],
    [
      'an index.html fallback (status 200)',
      () => new Response('<!doctype html>', { status: 200, headers: { 'content-type': 'text/html' } }),
      /models\/trace\.ckpt is missing \(the server answered with a page\)/,
    ],
    [
      'a network failure',
      () => {
        throw new TypeError('Failed to fetch');
      },
      /models\/trace\.ckpt is missing \(it could not be fetched: Failed to fetch\)/,
    ],
  ])('%s names the file', async (_, answer, message) => {
    const fetch = vi.fn(async () => answer());
    vi.stubGlobal('fetch', fetch);
    const req = { runId: 'r', config, baseUrl: '/app/', backend: 'cpu' as const };
    await expect(createWorkerSession(req)).rejects.toThrow(message);
    expect(fetch).toHaveBeenCalledWith('/app/models/trace.ckpt');
    // A failure is not cached: the next run asks again.
    await expect(createWorkerSession(req)).rejects.toThrow(message);
    expect(fetch).toHaveBeenCalledTimes(2);
  });
});
