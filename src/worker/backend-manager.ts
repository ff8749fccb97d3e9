/**
 * The worker's backend: which one runs (initBackend picks and self-tests it), reported to the
 * page, and the one fallback the runtime makes on its own: after a failure of the WebGPU backend
 * (a lost device, a GPU error), switch to wasm (then cpu). Programming errors are not backend
 * failures; they surface with their message (src/engine/backend.ts isBackendFailure).
 */
import { initBackend, isBackendFailure, type BackendName } from '../engine/backend.ts';
import type { Post } from './protocol.ts';

export class BackendManager {
  name: BackendName = 'cpu';
  private order?: BackendName[];
  private wasmPaths?: Record<string, string>;
  private ready?: Promise<void>;

  constructor(private readonly post: Post) {}

  /** The page's wishes (from 'init'): the order to try and where the wasm binaries live. */
  configure(order: BackendName[] | undefined, wasmPaths: Record<string, string> | undefined): void {
    this.order = order;
    this.wasmPaths = wasmPaths;
    this.ready = undefined;
  }

  /** Initializes once (or again after configure) and reports the backend to the page. */
  ensure(): Promise<void> {
    this.ready ??= this.init(this.order);
    return this.ready;
  }

  private async init(order?: BackendName[]): Promise<void> {
    // wasm threads where the page is cross-origin isolated (vite.config.ts sends COOP / COEP).
    const status = await initBackend({ order, wasmPaths: this.wasmPaths, wasmThreads: true });
    this.name = status.name;
    this.post({ type: 'backend', status });
  }

  /** Should `e`, thrown by a training step, move the run off this backend? */
  canFallBack(e: unknown): boolean {
    return this.name === 'webgpu' && isBackendFailure(e);
  }

  /** Switches to wasm (or cpu) after a WebGPU failure; returns the backend it left. */
  async fallBack(): Promise<BackendName> {
    const from = this.name;
    this.ready = this.init(['wasm', 'cpu']);
    await this.ready;
    return from;
  }
}
