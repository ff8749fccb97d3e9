/**
 * Shader warm-up on WebGPU with tfjs's WEBGPU_ENGINE_COMPILE_ONLY: while the flag is on, every
 * kernel a piece of work would run is compiled (asynchronously, so the driver may compile several
 * at once) but not dispatched, and reads return nothing. The work must therefore run on throwaway
 * tensors (a scratch policy): outputs hold no values, and an optimizer step would assign them to
 * its variables. A read returns an empty array; the engine's steps run on with it (sampling then
 * yields empty completions, which is why the session gives GRPO's update stand-ins). A piece that
 * stops with an error anyway keeps what it recorded; the rest compiles on first use as before. The caller disposes its scratch objects; every tensor the work created and
 * did not keep is disposed here.
 */
import * as tf from '@tensorflow/tfjs';

export interface CompileOnlyResult {
  /** New pipelines (distinct shaders) compiled. */
  programs: number;
  /** Wall time: recording plus compilation. */
  ms: number;
  /** Why a piece of work stopped early, if it did (expected: a read in compile-only mode). */
  stopped: string[];
}

interface PipelineCacheOwner {
  pipelineCache: Record<string, unknown>;
  checkCompileCompletionAsync(): Promise<void>;
}

const FLAG = 'WEBGPU_ENGINE_COMPILE_ONLY';

/** True when the active backend is webgpu and has the compile-only machinery this module uses. */
export function canCompileOnly(): boolean {
  if (tf.getBackend() !== 'webgpu') return false;
  const b = tf.backend() as unknown as Partial<PipelineCacheOwner>;
  return typeof b.pipelineCache === 'object' && typeof b.checkCompileCompletionAsync === 'function';
}

/**
 * Records each piece in compile-only mode (each on its own, so one that stops early does not keep
 * the next from recording), then waits for the new pipelines, reporting (done, total) as each one
 * finishes. A no-op returning zero programs on any other backend.
 */
export async function compileOnly(
  pieces: (() => Promise<unknown>)[],
  onProgress?: (done: number, total: number) => void,
): Promise<CompileOnlyResult> {
  const t0 = performance.now();
  if (!canCompileOnly()) return { programs: 0, ms: 0, stopped: [] };
  const backend = tf.backend() as unknown as PipelineCacheOwner;
  const before = new Set(Object.keys(backend.pipelineCache));
  const stopped: string[] = [];
  const env = tf.env();
  const warn = console.warn;
  for (const piece of pieces) {
    env.set(FLAG, true);
    // tfjs warns on every read in this mode; the reads are expected here.
    console.warn = (...a: unknown[]) => {
      if (!String(a[0]).includes(FLAG)) warn(...a);
    };
    tf.engine().startScope();
    try {
      await piece();
    } catch (e) {
      stopped.push((e as Error).message ?? String(e));
    } finally {
      env.set(FLAG, false);
      console.warn = warn;
      tf.engine().endScope();
    }
  }
  const fresh = Object.keys(backend.pipelineCache).filter((k) => !before.has(k));
  let done = 0;
  onProgress?.(0, fresh.length);
  await Promise.all(
    fresh.map((k) => Promise.resolve(backend.pipelineCache[k]).then(() => onProgress?.(++done, fresh.length))),
  );
  // Swaps the settled promises for the pipelines themselves (dispatch refuses a promise).
  await backend.checkCompileCompletionAsync();
  return { programs: fresh.length, ms: performance.now() - t0, stopped };
}
