import type { FromWorker, ToWorker } from './protocol.ts';

/**
 * What the page holds to talk to the training runtime. src/worker/client.ts implements it over a
 * dedicated Web Worker (with a main-thread fallback); the store subscribes once and turns messages
 * into state. Tests can implement it in memory.
 */
export interface LabClient {
  post(msg: ToWorker, transfer?: Transferable[]): void;
  /** Returns an unsubscribe function. */
  subscribe(listener: (msg: FromWorker) => void): () => void;
  /** 'worker' normally; 'main-thread' after a fallback (said once, visibly). */
  readonly where: 'worker' | 'main-thread';
  terminate(): void;
}
