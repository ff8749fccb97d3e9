import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { CROSS_ORIGIN_ISOLATION, wasmThreads } from './scripts/vite-wasm-threads.ts';
import { cspHeaders, cspMeta, DEV_NONCE } from './scripts/csp.ts';

// COOP / COEP make the page cross-origin isolated, which multithreaded wasm needs
// (SharedArrayBuffer); the lab loads nothing from other origins. A host that cannot send these
// headers still works: the page then runs single-threaded wasm. wasmThreads() keeps tfjs's
// threaded wasm factory runnable after minification (scripts/vite-wasm-threads.ts). The
// Content-Security-Policy (scripts/csp.ts) is a header here and a meta tag in the build.

export default defineConfig(({ command }) => ({
  root: import.meta.dirname,
  plugins: [react(), wasmThreads(), cspMeta(), cspHeaders()],
  worker: { format: 'es', plugins: () => [wasmThreads()] },
  // Dev only: Vite and the React plugin inject inline scripts, marked with this nonce.
  html: command === 'serve' ? { cspNonce: DEV_NONCE } : undefined,
  server: { host: '127.0.0.1', port: 5173, headers: CROSS_ORIGIN_ISOLATION },
  preview: { host: '127.0.0.1', port: 4173, headers: CROSS_ORIGIN_ISOLATION },
  build: { target: 'es2022', chunkSizeWarningLimit: 4000 },
}));
