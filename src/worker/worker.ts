/**
 * The training worker's entry: one listener, one handler. The page sends 'init' first with the
 * wasm URLs (Vite `?url` imports resolved in the page) and the base-model URL prefix; the worker
 * picks its own backend (initBackend); wasm runs multithreaded where the page is cross-origin
 * isolated (COOP / COEP, vite.config.ts), single-threaded elsewhere.
 */
import { createHandler } from './handler.ts';
import type { FromWorker, ToWorker } from './protocol.ts';
import { createWorkerSession } from './session-factory.ts';

const scope = self as unknown as DedicatedWorkerGlobalScope;
const handler = createHandler((msg: FromWorker, transfer?: Transferable[]) => scope.postMessage(msg, transfer ?? []), {
  createSession: createWorkerSession,
});
scope.addEventListener('message', (e: MessageEvent<ToWorker>) => {
  // The heartbeat is answered here, not behind a long message in the handler's queue: it says
  // only that this thread's event loop still runs (src/worker/client.ts).
  if (e.data.type === 'ping') scope.postMessage({ type: 'pong' } satisfies FromWorker);
  else void handler.handle(e.data);
});
