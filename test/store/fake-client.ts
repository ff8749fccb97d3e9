/** The runtime as a list of the messages the page posted; a test plays the worker's side. */
import { flushQueuedMessages } from '../../src/store/coalesce.ts';
import type { LabClient } from '../../src/worker/client-types.ts';
import type { FromWorker, ToWorker } from '../../src/worker/protocol.ts';

export class FakeClient implements LabClient {
  where = 'worker' as const;
  posted: ToWorker[] = [];
  private listeners = new Set<(m: FromWorker) => void>();
  post(msg: ToWorker): void {
    this.posted.push(msg);
  }
  subscribe(l: (m: FromWorker) => void): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }
  /** Delivers a message as the worker would, past the page's render batching (test/store/coalesce.test.ts covers that). */
  emit(m: FromWorker): void {
    for (const l of this.listeners) l(m);
    flushQueuedMessages();
  }
  terminate(): void {}
}
