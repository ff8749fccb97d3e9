/**
 * What the lab reads from files, as zod schemas with limits: the run file's JSON head (versioned,
 * with a migration from version 1), results.json rows, and the headers of run checkpoints
 * ("CRLRUNK2", before checksummed headers "CRLRUNCK", src/runtime/run-checkpoint.ts) and model checkpoints ("CRLK", src/engine/checkpoint.ts).
 * Sizes are checked from the byte lengths before anything is decoded or parsed; every rejection
 * names the file, the field path and the rule:
 *   run.crlrun: evals[0].accuracies: must be an object of names to numbers (got null)
 * identifyBytes says what a file is when it is not what was asked for (a PNG, a checkpoint, pairs).
 * Pure and tfjs-free: the engine, the runtime, the persistence layer and the page all use it.
 */
import { z } from 'zod';
import { DOMAIN_NAMES } from '../tasks/types.ts';
import { BACKENDS } from './fields.ts';
import { validateRunConfig, type ResolvedRunConfig } from './run-config.ts';

const MiB = 1024 * 1024;

/** The largest inputs the lab accepts. A run of 200 steps has 200 metric rows and a 2 MB checkpoint. */
export const LIMITS = {
  /** A run file's JSON head (summary, metrics, evaluations, selection records, rollouts). */
  runHeadBytes: 128 * MiB,
  /** A run file's checkpoint part. */
  checkpointBytes: 512 * MiB,
  metricRows: 100_000,
  /** Metric names in one row. */
  metricNames: 256,
  nameChars: 128,
  runNameChars: 200,
  idChars: 200,
  evals: 10_000,
  selectionRecords: 500_000,
  rolloutGroups: 256,
  completions: 256,
  textChars: 200_000,
  tokens: 4096,
  resultsBytes: 32 * MiB,
  resultRows: 200_000,
  checkpointHeaderBytes: 16 * MiB,
  vocabulary: 200_000,
  tensors: 10_000,
} as const;

/** Names that would reach an object's prototype when used as keys. */
const UNSAFE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

// ---------------------------------------------------------------------------------------------
// Messages

/** `metrics[3].reward`, or `(file)` for the whole document. */
export function pathString(path: readonly PropertyKey[]): string {
  let out = '';
  for (const k of path) out += typeof k === 'number' ? `[${k}]` : out ? `.${String(k)}` : String(k);
  return out || '(file)';
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = input;
  for (const k of path) v = v && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[k] : undefined;
  return v;
}

function shortJson(v: unknown): string {
  if (v === undefined) return 'nothing';
  let s: string;
  try {
    s = JSON.stringify(v) ?? String(v);
  } catch {
    s = String(v);
  }
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

/** An input file the lab refuses: `issues` are "file: path: rule" lines. */
export class FileError extends Error {
  constructor(
    readonly source: string,
    readonly issues: string[],
  ) {
    const shown = issues.slice(0, 8);
    super(shown.join('\n') + (issues.length > shown.length ? `\n(and ${issues.length - shown.length} more)` : ''));
    this.name = 'FileError';
  }
}

/** zod's issues as "file: path: rule (got value)" lines. */
export function formatIssues(source: string, error: z.ZodError, input: unknown, prefix: PropertyKey[] = []): string[] {
  return error.issues.map((i) => {
    const path = [...prefix, ...i.path];
    if (i.code === 'unrecognized_keys') return `${source}: ${pathString(path)}: unknown field(s) ${i.keys.join(', ')}`;
    const got = i.code === 'invalid_type' || i.code === 'custom' ? ` (got ${shortJson(valueAt(input, i.path))})` : '';
    return `${source}: ${pathString(path)}: ${i.message}${i.message.includes('(got') ? '' : got}`;
  });
}

function parseWith<T>(schema: z.ZodType<T>, input: unknown, source: string): T {
  const r = schema.safeParse(input);
  if (!r.success) throw new FileError(source, formatIssues(source, r.error, input));
  return r.data;
}

/**
 * Validates and returns the input itself (not zod's copy, whose key order follows the schema):
 * checkpoint headers are re-saved byte for byte.
 */
function checkWith<T>(schema: z.ZodType<T>, input: unknown, source: string): T {
  parseWith(schema, input, source);
  return input as T;
}

/** JSON.parse with the failure named. */
export function parseJsonText(text: string, source: string, what = 'the file'): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new FileError(source, [`${source}: ${what} is not valid JSON (${(e as Error).message})`]);
  }
}

/** UTF-8 text of bytes, refusing invalid sequences with the file named. */
export function utf8(bytes: Uint8Array, source: string, what = 'the file'): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new FileError(source, [`${source}: ${what} is not UTF-8 text`]);
  }
}

// ---------------------------------------------------------------------------------------------
// Building blocks

const int = (min = 0, max = Number.MAX_SAFE_INTEGER) =>
  z
    .number({ error: 'must be a number' })
    .refine((v) => Number.isInteger(v) && v >= min && v <= max, { message: `must be an integer in [${min}, ${max}]` });
const finite = z.number({ error: 'must be a number' }).refine(Number.isFinite, { message: 'must be finite' });
const share = z.number({ error: 'must be a number' }).refine((v) => v >= 0 && v <= 1, { message: 'must be in [0, 1]' });
const str = (max: number, min = 0) =>
  z
    .string({ error: 'must be a string' })
    .min(min, { message: min === 1 ? 'must not be empty' : `must have at least ${min} characters` })
    .max(max, { message: `must have at most ${max} characters` });
const list = <T extends z.ZodType>(item: T, max: number, what: string) =>
  z.array(item, { error: 'must be a list' }).max(max, { message: `at most ${max} ${what}` });

/** A name used as a key elsewhere (benchmark): bounded and unable to reach a prototype. */
const safeName = str(LIMITS.nameChars, 1).refine((k) => !UNSAFE_KEYS.has(k), { message: 'is a reserved name' });

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

/** A problem with one name of a table, or null. */
function nameProblem(k: string): string | null {
  if (k.length === 0) return 'must not be empty';
  if (k.length > LIMITS.nameChars) return `must have at most ${LIMITS.nameChars} characters`;
  return UNSAFE_KEYS.has(k) ? 'is a reserved name' : null;
}

/**
 * A table of names to numbers (JSON writes NaN as null: null is read as "no value" and dropped),
 * checked on the parsed object itself, so a key such as __proto__ is seen and refused, and copied
 * into a fresh object.
 */
const numberTable = (max: number, what: string, inRange: (v: number, key: string) => boolean, rule: string) =>
  z.unknown().transform((o, ctx): Record<string, number> => {
    if (!isPlainObject(o)) {
      ctx.addIssue({ code: 'custom', message: `must be an object of names to numbers (got ${shortJson(o)})` });
      return z.NEVER;
    }
    const keys = Object.keys(o);
    if (keys.length > max) ctx.addIssue({ code: 'custom', message: `at most ${max} ${what}` });
    const out: Record<string, number> = {};
    for (const k of keys) {
      const bad = nameProblem(k);
      const v = o[k];
      if (bad) ctx.addIssue({ code: 'custom', path: [k], message: `name ${bad}` });
      else if (v !== null && (typeof v !== 'number' || !inRange(v, k)))
        ctx.addIssue({ code: 'custom', path: [k], message: `${rule} (got ${shortJson(v)})` });
      else if (v !== null) out[k] = v;
    }
    return out;
  });

/** A benchmark that is a loss (probe/ca_loss, in nats) rather than an accuracy or a share. */
const isLoss = (benchmark: string) => benchmark.endsWith('_loss');
/** An evaluation value: an accuracy or share in [0, 1], or a loss: finite and >= 0. */
const evalValueOk = (v: number, benchmark: string) =>
  isLoss(benchmark) ? Number.isFinite(v) && v >= 0 : v >= 0 && v <= 1;

/** A run configuration, checked by the one validation (src/config/run-config.ts), with defaults filled in. */
export const RunConfigField = z.unknown().transform((v, ctx): ResolvedRunConfig => {
  // validateRunConfig fills a missing knobs table with defaults; a file that says null means damage.
  const knobs = (v as { knobs?: unknown } | null)?.knobs;
  if (
    v &&
    typeof v === 'object' &&
    'knobs' in v &&
    (knobs === null || typeof knobs !== 'object' || Array.isArray(knobs))
  ) {
    ctx.addIssue({ code: 'custom', path: ['knobs'], message: `knobs must map names to numbers, strings or booleans` });
    return z.NEVER;
  }
  const r = validateRunConfig(v);
  if (r.ok) return r.config;
  for (const i of r.issues)
    ctx.addIssue({
      code: 'custom',
      path: i.field === '_form' ? [] : i.field.split('.'),
      message: i.message,
    });
  return z.NEVER;
});

export const RUN_STATES = ['idle', 'warming', 'running', 'paused', 'done', 'error'] as const;

// ---------------------------------------------------------------------------------------------
// Run files

type MetricRowOut = { step: number; t: number; [name: string]: number };

export const MetricRowSchema = z.unknown().transform((row, ctx): MetricRowOut => {
  if (!isPlainObject(row)) {
    ctx.addIssue({ code: 'custom', message: `must be an object { step, t, ...metrics } (got ${shortJson(row)})` });
    return z.NEVER;
  }
  const keys = Object.keys(row);
  const step = row.step;
  if (typeof step !== 'number' || !Number.isInteger(step) || Math.abs(step) > 10_000_000)
    ctx.addIssue({
      code: 'custom',
      path: ['step'],
      message: `must be an integer in [-10000000, 10000000] (got ${shortJson(step)})`,
    });
  if (row.t !== undefined && row.t !== null && (typeof row.t !== 'number' || !Number.isFinite(row.t)))
    ctx.addIssue({ code: 'custom', path: ['t'], message: `must be a number (got ${shortJson(row.t)})` });
  if (keys.length > LIMITS.metricNames + 2)
    ctx.addIssue({ code: 'custom', message: `at most ${LIMITS.metricNames} metric names in a row` });
  const out: MetricRowOut = { step: step as number, t: typeof row.t === 'number' ? row.t : 0 };
  for (const k of keys) {
    if (k === 'step' || k === 't') continue;
    const bad = nameProblem(k);
    const v = row[k];
    if (bad) ctx.addIssue({ code: 'custom', path: [k], message: `metric name ${bad}` });
    else if (v !== null && typeof v !== 'number')
      ctx.addIssue({ code: 'custom', path: [k], message: `must be a number or null (got ${shortJson(v)})` });
    else if (typeof v === 'number') out[k] = v;
  }
  return out;
});

export const EvalRecordSchema = z.object(
  {
    step: int(-10_000_000, 10_000_000),
    accuracies: numberTable(
      256,
      'benchmarks',
      evalValueOk,
      'must be a number in [0, 1] (a loss: finite and >= 0) or null',
    ),
  },
  { error: 'must be an object { step, accuracies }' },
);

export const SelectionRecordSchema = z.object(
  {
    pairId: str(LIMITS.idChars, 1).refine((k) => !UNSAFE_KEYS.has(k), { message: 'is a reserved name' }),
    step: int(-10_000_000, 10_000_000),
    chosen: z.enum(['A', 'B'], { error: 'must be "A" or "B"' }),
    target: z.enum(['A', 'B'], { error: 'must be "A" or "B"' }),
    pA: share.nullable().transform((v) => v ?? NaN),
    pB: share.nullable().transform((v) => v ?? NaN),
    delta: z
      .number({ error: 'must be a number' })
      .nullable()
      .transform((v) => v ?? NaN),
    atClip: z.boolean({ error: 'must be true or false' }),
  },
  { error: 'must be a selection record' },
);

const CompletionSchema = z.object({
  text: str(LIMITS.textChars),
  tokens: list(str(LIMITS.nameChars), LIMITS.tokens, 'tokens'),
  logp: list(z.number().nullable(), LIMITS.tokens, 'values').transform((xs) => xs.map((x) => x ?? NaN)),
  reward: finite,
  advantage: z
    .number({ error: 'must be a number' })
    .nullable()
    .transform((v) => v ?? NaN),
});

export const RolloutGroupSchema = z.object({
  prompt: str(LIMITS.textChars),
  answer: str(LIMITS.textChars),
  completions: list(CompletionSchema, LIMITS.completions, 'completions'),
  tag: z.enum(['all-pass', 'all-fail', 'mixed'], { error: 'must be all-pass, all-fail or mixed' }),
});

export const RunSummarySchema = z.object(
  {
    id: str(LIMITS.idChars, 1),
    name: str(LIMITS.runNameChars),
    config: RunConfigField,
    createdAt: finite,
    state: z.enum(RUN_STATES, { error: `must be one of ${RUN_STATES.join(', ')}` }),
    /** Units of work done (the progress line's step). */
    step: int(),
    backend: z.enum(BACKENDS, { error: `must be one of ${BACKENDS.join(', ')}` }),
    /** All units of the run (warm-start + DA-SFT + RL steps), when known. */
    totalSteps: int().optional(),
    /** The run it was forked from, or the id it had in the file it was imported from. */
    parentId: str(LIMITS.idChars).optional(),
    importedFrom: str(LIMITS.idChars).optional(),
  },
  { error: 'must be an object' },
);

const checkpointRef = z
  .object({ step: int(), bytes: int(0, LIMITS.checkpointBytes) }, { error: 'must be { step, bytes } or null' })
  .nullable()
  .optional();

const headV1 = {
  format: z.literal('CRLRUN01', { error: 'must be "CRLRUN01"' }).optional(),
  summary: RunSummarySchema,
  metrics: list(MetricRowSchema, LIMITS.metricRows, 'metric rows'),
  evals: list(EvalRecordSchema, LIMITS.evals, 'evaluations'),
  checkpoint: checkpointRef,
};

/** Version 1 (the lab's first run files): summary, metrics, evaluations, checkpoint. */
export const RunFileHeadV1Schema = z.object(headV1, { error: 'must be an object' });

/** Version 2: adds the selection records and the last step's rollouts. */
export const RunFileHeadV2Schema = z.object(
  {
    ...headV1,
    version: z.literal(2),
    selection: list(SelectionRecordSchema, LIMITS.selectionRecords, 'selection records'),
    rollouts: z
      .object({ step: int(-10_000_000, 10_000_000), groups: list(RolloutGroupSchema, LIMITS.rolloutGroups, 'groups') })
      .nullable(),
  },
  { error: 'must be an object' },
);

export type RunFileHead = z.output<typeof RunFileHeadV2Schema>;
export const RUN_FILE_VERSION = 2;

/** Version 1 -> 2: no selection records or rollouts were written. */
export function migrateRunFileHead(v1: z.output<typeof RunFileHeadV1Schema>): RunFileHead {
  return { ...v1, version: 2, selection: [], rollouts: null };
}

/** The run file's JSON head, validated and migrated to the current version. */
export function parseRunFileHead(input: unknown, source: string): RunFileHead {
  if (input === null || typeof input !== 'object' || Array.isArray(input))
    throw new FileError(source, [`${source}: (file): the run file's head must be a JSON object`]);
  const version = (input as { version?: unknown }).version;
  if (version === undefined) return migrateRunFileHead(parseWith(RunFileHeadV1Schema, input, source));
  if (version === 2) return parseWith(RunFileHeadV2Schema, input, source);
  throw new FileError(source, [
    `${source}: version: this lab reads run files of version 1 and 2 (got ${shortJson(version)}); a newer lab wrote it`,
  ]);
}

// ---------------------------------------------------------------------------------------------
// results.json

export const ResultRowSchema = z
  .object(
    {
      method: str(LIMITS.nameChars, 1),
      seed: int(0, 2 ** 31 - 1),
      benchmark: safeName,
      accuracy: z.number({ error: 'must be a number' }),
    },
    { error: 'must be an object { method, seed, benchmark, accuracy }' },
  )
  .superRefine((r, ctx) => {
    if (!evalValueOk(r.accuracy, r.benchmark))
      ctx.addIssue({
        code: 'custom',
        path: ['accuracy'],
        message: isLoss(r.benchmark) ? 'must be finite and >= 0 (a loss)' : 'must be in [0, 1]',
      });
  });
export const ResultRowsSchema = list(ResultRowSchema, LIMITS.resultRows, 'rows');

/** An experiment's results.json (from `npm run experiment`), limits checked before parsing. */
export function parseResultsJson(bytes: Uint8Array, source: string): z.output<typeof ResultRowsSchema> {
  if (bytes.length > LIMITS.resultsBytes)
    throw new FileError(source, [
      `${source}: (file): ${bytes.length} bytes is more than the ${LIMITS.resultsBytes} a results file may have`,
    ]);
  notOtherKind(bytes, source, 'results');
  const data = parseJsonText(utf8(bytes, source), source);
  if (!Array.isArray(data))
    throw new FileError(source, [`${source}: (file): must be a list of rows { method, seed, benchmark, accuracy }`]);
  return parseWith(ResultRowsSchema, data, source);
}

// ---------------------------------------------------------------------------------------------
// Checkpoint headers

const modelConfigSchema = z.object(
  {
    vocabSize: int(7, LIMITS.vocabulary),
    nLayer: int(1, 64),
    dModel: int(1, 8192),
    nHead: int(1, 256),
    contextLength: int(1, 65_536),
    dMlp: int(1, 65_536),
    imageSize: int(1, 1024),
    patchSize: int(1, 1024),
    layerNormEps: finite,
    initStd: finite,
  },
  { error: 'must be a model configuration' },
);

const vocabularySchema = list(str(LIMITS.nameChars), LIMITS.vocabulary, 'entries');
const shapeSchema = list(int(0, 1 << 30), 8, 'dimensions');
const tensorName = str(LIMITS.nameChars * 2, 1);

function fits(payloadBytes: number, bytesOf: (t: { offset: number; shape: number[]; length?: number }) => number) {
  return (t: { name: string; offset: number; shape: number[]; length?: number }, ctx: z.RefinementCtx) => {
    const end = t.offset + bytesOf(t);
    if (end > payloadBytes)
      ctx.addIssue({
        code: 'custom',
        path: ['offset'],
        message: `tensor ${t.name} ends at byte ${end}, past the ${payloadBytes} bytes of data`,
      });
  };
}

const runMeta = z.object({
  format: z.literal(1, { error: 'must be 1' }),
  kind: z.literal('run'),
  config: RunConfigField,
  modelConfig: modelConfigSchema,
  vocabulary: vocabularySchema,
  unit: int(),
  warmUnits: int(),
  optimizerStep: int(),
  optimizerPhase: z.enum(['warm-start', 'da-sft', 'rl']).optional(),
  hasOptimizer: z.boolean(),
  hasReference: z.boolean(),
  tokenRatio: finite,
  elapsedMs: finite,
  savedAt: finite,
});

const baseMeta = z.object({
  format: z.literal(1, { error: 'must be 1' }),
  kind: z.literal('base'),
  preset: str(LIMITS.nameChars),
  domain: z.enum(DOMAIN_NAMES, { error: `must be one of ${DOMAIN_NAMES.join(', ')}` }),
  modelConfig: modelConfigSchema,
  vocabulary: vocabularySchema,
  seed: int(),
  step: int(),
  optimizerStep: int(),
  hasOptimizer: z.boolean(),
  elapsedMs: finite,
  figures: z.record(z.string(), z.number().nullable().optional()).optional(),
  savedAt: finite,
});

/** The header of a run checkpoint or bundled base model ("CRLRUNK2" or "CRLRUNCK"), tensors bounded by the payload. */
export function runCheckpointHeaderSchema(payloadBytes: number) {
  return z.object(
    {
      meta: z.discriminatedUnion('kind', [runMeta, baseMeta], { error: 'meta.kind must be "run" or "base"' }),
      modelBytes: int(0, payloadBytes),
      tensors: list(
        z
          .object({ name: tensorName, shape: shapeSchema, offset: int(0, payloadBytes), length: int(0, 1 << 30) })
          .superRefine(fits(payloadBytes, (t) => (t.length ?? 0) * 4))
          .superRefine((t, ctx) => {
            if (t.shape.reduce((a, b) => a * b, 1) !== t.length)
              ctx.addIssue({
                code: 'custom',
                path: ['shape'],
                message: `shape [${t.shape}] does not hold ${t.length} values`,
              });
          }),
        LIMITS.tensors,
        'tensors',
      ),
    },
    { error: 'must be an object { meta, modelBytes, tensors }' },
  );
}
export type RunCheckpointHeader = z.output<ReturnType<typeof runCheckpointHeaderSchema>>;

export function parseRunCheckpointHeader(input: unknown, payloadBytes: number, source: string): RunCheckpointHeader {
  const format = (input as { meta?: { format?: unknown } } | null)?.meta?.format;
  if (format !== undefined && format !== 1)
    throw new FileError(source, [
      `${source}: meta.format: unsupported run checkpoint format ${shortJson(format)} (expected 1)`,
    ]);
  return checkWith(runCheckpointHeaderSchema(payloadBytes), input, source);
}

/** The header of an engine checkpoint ("CRLK"): tensors bounded by the float data after it. */
export function modelCheckpointHeaderSchema(nFloats: number) {
  return z.object(
    {
      config: modelConfigSchema,
      tokenizer: z.object({
        version: int(),
        vocabHash: str(64),
        vocabulary: vocabularySchema,
        nPatches: int(0, 1 << 20),
      }),
      step: int(),
      meta: z.record(z.string(), z.unknown()).optional(),
      tensors: list(
        z
          .object({ name: tensorName, shape: shapeSchema, offset: int(0, nFloats) })
          .superRefine(fits(nFloats, (t) => t.shape.reduce((a, b) => a * b, 1))),
        LIMITS.tensors,
        'tensors',
      ),
    },
    { error: 'must be an object { config, tokenizer, step, tensors }' },
  );
}
export type ModelCheckpointHeader = z.output<ReturnType<typeof modelCheckpointHeaderSchema>>;

export function parseModelCheckpointHeader(input: unknown, nFloats: number, source: string): ModelCheckpointHeader {
  return checkWith(modelCheckpointHeaderSchema(nFloats), input, source);
}

// ---------------------------------------------------------------------------------------------
// What a file is

export type FileKind =
  | 'run-file'
  | 'run-checkpoint'
  | 'base-model'
  | 'model-checkpoint'
  | 'png'
  | 'jpeg'
  | 'gif'
  | 'pdf'
  | 'zip'
  | 'gzip'
  | 'utf16'
  | 'results-json'
  | 'pairs-jsonl'
  | 'metrics-json'
  | 'metrics-csv'
  | 'results-csv'
  | 'json'
  | 'text'
  | 'empty'
  | 'binary';

const DESCRIPTIONS: Record<FileKind, string> = {
  'run-file': 'a ContextRL Lab run file (.crlrun)',
  'run-checkpoint': 'a run checkpoint (the weights inside a run file, not a run file)',
  'base-model': 'a bundled base model (.ckpt), not a run',
  'model-checkpoint': 'a model checkpoint (weights only)',
  png: 'a PNG image',
  jpeg: 'a JPEG image',
  gif: 'a GIF image',
  pdf: 'a PDF document',
  zip: 'a ZIP archive',
  gzip: 'a gzip archive',
  utf16: 'UTF-16 text (save it as UTF-8)',
  'results-json': 'an experiment results.json',
  'pairs-jsonl': 'a pairs file (JSON Lines; load it under Pairs)',
  'metrics-json': "a run's metrics exported as JSON",
  'metrics-csv': "a run's metrics exported as CSV",
  'results-csv': 'an experiment results.csv',
  json: 'a JSON document of another kind',
  text: 'a text file of another kind',
  empty: 'an empty file',
  binary: 'binary data of an unknown kind',
};

export function describeKind(kind: FileKind): string {
  return DESCRIPTIONS[kind];
}

const ascii = (b: Uint8Array, from: number, to: number) => String.fromCharCode(...b.subarray(from, to));

/** What a file is, from its first bytes (a few kB are enough). */
export function identifyBytes(bytes: Uint8Array): FileKind {
  if (bytes.length === 0) return 'empty';
  const m8 = ascii(bytes, 0, Math.min(8, bytes.length));
  if (m8 === 'CRLRUN01') return 'run-file';
  if (m8 === 'CRLRUNCK' || m8 === 'CRLRUNK2') {
    const n = bytes.length >= 12 ? new DataView(bytes.buffer, bytes.byteOffset).getUint32(8, true) : 0;
    const head = new TextDecoder().decode(bytes.subarray(12, 12 + Math.min(n, 4096)));
    return /"kind"\s*:\s*"base"/.test(head) ? 'base-model' : 'run-checkpoint';
  }
  if (m8.startsWith('CRLK')) return 'model-checkpoint';
  if (bytes[0] === 0x89 && m8.slice(1, 4) === 'PNG') return 'png';
  if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  if (m8.startsWith('GIF8')) return 'gif';
  if (m8.startsWith('%PDF')) return 'pdf';
  if (m8.startsWith('PK\x03\x04')) return 'zip';
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) return 'gzip';
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) return 'utf16';
  const sample = bytes.subarray(0, 4096);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(sample);
  } catch {
    // The sample may end inside a multi-byte character: decode leniently, but binary has NULs.
    text = new TextDecoder().decode(sample);
    if (text.includes('\u0000')) return 'binary';
  }
  if (text.includes('\u0000')) return 'binary';
  const t = text.replace(/^\uFEFF/, '').trimStart();
  if (t.startsWith('[')) return /"benchmark"/.test(t) && /"accuracy"/.test(t) ? 'results-json' : 'json';
  if (t.startsWith('{')) {
    if (/"format"\s*:\s*"contextrl-lab\/run@1"/.test(t)) return 'metrics-json';
    const first = t.split(/\r?\n/, 1)[0];
    if (/"positive"\s*:/.test(first) && /"negative"\s*:/.test(first)) return 'pairs-jsonl';
    return 'json';
  }
  if (/^step,t(,|\r?\n|$)/.test(t)) return 'metrics-csv';
  if (/^method,seed,benchmark,accuracy/.test(t)) return 'results-csv';
  return 'text';
}

/** Throws "file is X, not Y" when the bytes are clearly another kind of file than `expected`. */
export function notOtherKind(bytes: Uint8Array, source: string, expected: 'run' | 'results'): void {
  const kind = identifyBytes(bytes);
  const ok = expected === 'run' ? kind === 'run-file' : kind === 'results-json' || kind === 'json';
  if (ok) return;
  const want =
    expected === 'run'
      ? 'a run file (.crlrun, from a run\'s "Run file" button)'
      : 'a results.json (a list of { method, seed, benchmark, accuracy } rows from npm run experiment)';
  throw new FileError(source, [`${source}: (file): this is ${describeKind(kind)}, not ${want}`]);
}
