/**
 * The worker protocol: one discriminated union for each direction. Big arrays (checkpoints) travel
 * as transferables. The page never imports tfjs-heavy code for training: it talks to the worker.
 */
import type { BackendName, BackendStatus, RememberedChoice } from '../engine/backend.ts';
import type { BackendChoice } from '../config/fields.ts';
import type { AttributionMethod } from '../engine/attribution.ts';
import type { Pair } from '../tasks/types.ts';
import type { AttributionReply } from './attribute.ts';
import type {
  EvalRecord,
  MetricRow,
  RolloutGroup,
  RunConfig,
  RunProgress,
  RunState,
  SelectionRecord,
} from '../runtime/types.ts';

export type ToWorker =
  | {
      type: 'init';
      /** The backend setting: 'auto' times a step of `config` on WebGPU and wasm and keeps the faster. */
      backend?: BackendChoice;
      /** The run configuration the page shows (auto times a step of it). */
      config?: RunConfig;
      /** The page's last measured auto choice: used as it is when it holds for this adapter and run shape. */
      remembered?: RememberedChoice;
      /** Pins the backends to try, in order, whatever the runs' settings say (tests, tools). */
      backendOrder?: BackendName[];
      wasmPaths?: Record<string, string>;
      /** URL prefix (ending in '/') under which the bundled base models live: `${baseUrl}models/<file>`. */
      baseUrl?: string;
    }
  | { type: 'start'; runId: string; config: RunConfig; /** resume from this checkpoint */ checkpoint?: ArrayBuffer }
  /** The page's heartbeat: the worker answers 'pong' at once, outside the message queue. */
  | { type: 'ping' }
  | { type: 'pause'; runId: string }
  | { type: 'resume'; runId: string }
  | { type: 'step'; runId: string }
  | { type: 'stop'; runId: string }
  | { type: 'save'; runId: string }
  | { type: 'evaluate'; runId: string }
  | { type: 'load'; runId: string; config: RunConfig; checkpoint: ArrayBuffer }
  /** Grounding view: attribution of one pair under a run checkpoint the page kept (the buffer is transferred). */
  | {
      type: 'attribute';
      requestId: string;
      runId: string;
      checkpoint: ArrayBuffer;
      pair: Pair;
      method: AttributionMethod;
    };

export type FromWorker =
  | { type: 'pong' }
  | { type: 'backend'; status: BackendStatus }
  | { type: 'state'; runId: string; state: RunState; message?: string }
  | { type: 'progress'; runId: string; progress: RunProgress }
  /** Metrics stream in batches (several steps per message) so the page never floods. */
  | { type: 'metrics'; runId: string; rows: MetricRow[] }
  | { type: 'rollouts'; runId: string; step: number; groups: RolloutGroup[] }
  | { type: 'selection'; runId: string; records: SelectionRecord[] }
  | { type: 'eval'; runId: string; record: EvalRecord }
  | { type: 'checkpoint'; runId: string; step: number; buffer: ArrayBuffer }
  | {
      type: 'fallback';
      runId?: string;
      from: BackendName;
      to: BackendName;
      /** The technical cause (the browser's message), for the error log. */
      reason: string;
      /** What happened, in words, for the page's banner. */
      message?: string;
      /** The RL step the run had reached, and the step it continues from (null: from the beginning). */
      atStep?: number;
      resumedFrom?: number | null;
    }
  | { type: 'error'; runId?: string; message: string; fatal: boolean }
  | { type: 'attribution'; requestId: string; runId: string; result?: AttributionReply; error?: string };

/** How the handler sends a message to the page (postMessage in the worker, a direct call on the main thread). */
export type Post = (msg: FromWorker, transfer?: Transferable[]) => void;
