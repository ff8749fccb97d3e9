/**
 * The parsing worker: reads, parses and validates one file per request off the main thread, so a
 * 50 MB import leaves the page answering; progress goes back as it reads.
 */
import { FileError } from '../config/file-schemas.ts';
import { parseBlob } from './parse.ts';
import type { ParseReply, ParseRequest } from './parse-client.ts';

const scope = self as unknown as DedicatedWorkerGlobalScope;
scope.addEventListener('message', async (e: MessageEvent<ParseRequest>) => {
  const { id, kind, file, name } = e.data;
  const post = (m: ParseReply, transfer: Transferable[] = []) => scope.postMessage(m, transfer);
  try {
    const value = await parseBlob(kind, file, name, (stage, fraction) =>
      post({ id, type: 'progress', stage, fraction }),
    );
    const ck = kind === 'run' ? (value as { checkpoint?: { buffer: ArrayBuffer } }).checkpoint?.buffer : undefined;
    post({ id, type: 'done', value }, ck ? [ck] : []);
  } catch (err) {
    const issues = err instanceof FileError ? err.issues : [`${name}: ${(err as Error).message ?? String(err)}`];
    post({ id, type: 'error', issues });
  }
});
