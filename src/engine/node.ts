/**
 * Node-only helpers for the CLI and tests: where the wasm binaries live, installing the `webgpu`
 * package (Dawn) as navigator.gpu, and keeping the command-line tools' output free of messages
 * from tfjs and Dawn that say nothing to a user of the lab. Not imported by the app.
 */
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { BACKENDS, type BackendName } from '../config/fields.ts';

const require = createRequire(import.meta.url);

/** Directory of tfjs-backend-wasm's .wasm files, with the trailing slash setWasmPaths needs. */
export function nodeWasmDir(): string {
  return path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm')) + path.sep;
}

/**
 * Makes Dawn's WebGPU available as globalThis.navigator.gpu. backend: 'vulkan' (SwiftShader or a
 * real driver via VK_ICD_FILENAMES) or 'opengles' (llvmpipe; use featureLevel 'compatibility').
 * Returns an error message instead of throwing when Dawn cannot load.
 */
export async function installNodeWebGPU(backend: 'vulkan' | 'opengles' = 'vulkan'): Promise<string | undefined> {
  try {
    if (backend === 'vulkan' && !process.env.VK_ICD_FILENAMES) {
      const swiftshader = '/usr/lib/chromium/vk_swiftshader_icd.json';
      const fs = await import('node:fs');
      if (fs.existsSync(swiftshader)) process.env.VK_ICD_FILENAMES = swiftshader;
    }
    if (backend === 'opengles') process.env.EGL_PLATFORM ??= 'surfaceless';
    // Without a desktop session, libwayland (which the Vulkan drivers probe) prints "error:
    // XDG_RUNTIME_DIR is invalid or not set" twice; an absolute display path that does not exist
    // makes the same probe fail silently.
    if (!process.env.XDG_RUNTIME_DIR && !process.env.WAYLAND_DISPLAY)
      process.env.WAYLAND_DISPLAY = '/nonexistent/wayland-0';
    const mod = (await import('webgpu')) as unknown as { create: (o: string[]) => GPU; globals: object };
    Object.assign(globalThis, mod.globals);
    const gpu = mod.create([`backend=${backend}`]);
    Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
    return undefined;
  } catch (e) {
    return (e as Error).message ?? String(e);
  }
}

/** Parses a backend list like "wasm,cpu" from the CLI. */
export function parseBackendList(s: string): BackendName[] {
  const names = s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);
  for (const n of names)
    if (!(BACKENDS as readonly string[]).includes(n))
      throw new Error(`unknown backend "${n}" (expected ${BACKENDS.join(', ')})`);
  return names as BackendName[];
}

/**
 * tfjs messages the command-line tools drop: the cpu backend greets every Node process with "Hi,
 * looks like you are running TensorFlow.js in Node.js ... install our node backend" (the lab uses
 * wasm on purpose; tfjs-node is not a dependency), and the WebGPU backend says that a software
 * adapter has no timestamp queries (only `npm run bench -- --profile` would use them; its kernel
 * times then read 0).
 */
const TFJS_NOISE = [
  'Hi, looks like you are running TensorFlow.js in Node.js',
  "doesn't support timestamp-query extension",
];

let tfjsQuiet = false;

/**
 * Drops the two tfjs messages above from console.warn; every other warning, such as a backend
 * that failed to initialize, still prints. Call once at the start of a CLI.
 */
export function quietTfjs(): void {
  if (tfjsQuiet) return;
  tfjsQuiet = true;
  const warn = console.warn.bind(console);
  console.warn = (...args: unknown[]) => {
    const first = args[0];
    if (typeof first === 'string' && TFJS_NOISE.some((n) => first.includes(n))) return;
    warn(...args);
  };
}

/**
 * Lines Dawn writes to stderr from native code on llvmpipe (OpenGL ES), so console.warn cannot catch
 * them: its own limits are lowered to what the driver offers, which changes nothing for the lab.
 */
const NATIVE_NOISE = [/^Warning: maxDynamic(Uniform|Storage)BuffersPerPipelineLayout artificially reduced/];

export function isNativeNoise(line: string): boolean {
  return NATIVE_NOISE.some((r) => r.test(line));
}

/** Copies a child process's stderr to ours, line by line, without the lines isNativeNoise matches. */
export function forwardStderr(stream: Readable): void {
  let rest = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    const lines = (rest + chunk).split('\n');
    rest = lines.pop() ?? '';
    const kept = lines.filter((l) => !isNativeNoise(l));
    if (kept.length) process.stderr.write(kept.join('\n') + '\n');
  });
  stream.on('end', () => {
    if (rest && !isNativeNoise(rest)) process.stderr.write(rest);
  });
}

/**
 * For a CLI that loads Dawn in its own process: runs this same command again as a child whose
 * stderr passes through forwardStderr, and resolves with the child's exit code; resolves with
 * undefined inside that child (CONTEXTRL_CHILD_STDERR=filtered), which then simply carries on.
 */
export function rerunWithFilteredStderr(): Promise<number | undefined> {
  if (process.env.CONTEXTRL_CHILD_STDERR === 'filtered') return Promise.resolve(undefined);
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
      stdio: ['inherit', 'inherit', 'pipe'],
      env: { ...process.env, CONTEXTRL_CHILD_STDERR: 'filtered' },
    });
    if (p.stderr) forwardStderr(p.stderr);
    p.on('close', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}
