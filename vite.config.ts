import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { CROSS_ORIGIN_ISOLATION as headers, wasmThreads } from './scripts/vite-wasm-threads.ts';

// COOP / COEP make the page cross-origin isolated, which multithreaded wasm needs
// (SharedArrayBuffer); the lab loads nothing from other origins. A host that cannot send these
// headers still works: the page then runs single-threaded wasm. wasmThreads() keeps tfjs's
// threaded wasm factory runnable after minification (scripts/vite-wasm-threads.ts).

export default defineConfig({
  root: import.meta.dirname,
  plugins: [react(), wasmThreads()],
  worker: { format: 'es', plugins: () => [wasmThreads()] },
  server: { host: '127.0.0.1', port: 5173, headers },
  preview: { host: '127.0.0.1', port: 4173, headers },
  build: { target: 'es2022', chunkSizeWarningLimit: 4000 },
});
