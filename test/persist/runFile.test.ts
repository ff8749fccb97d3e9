import { describe, expect, it } from 'vitest';
import { FileError, LIMITS, identifyBytes, parseResultsJson } from '../../src/config/file-schemas.ts';
import { decodeCheckpoint } from '../../src/engine/checkpoint.ts';
import { parseBlob } from '../../src/persist/parse.ts';
import { decodeRunFile, encodeRunFile, type RunFile } from '../../src/persist/runFile.ts';
import { unpackRunCheckpoint } from '../../src/runtime/run-checkpoint.ts';
import { record, rows, runCheckpoint } from './helpers.ts';

const enc = (s: string) => new TextEncoder().encode(s);

/** A run file as this lab's version 0.1.0 wrote it (no `version`, no selection or rollouts). */
function v1File(head: Record<string, unknown>, checkpoint = new Uint8Array(0)): ArrayBuffer {
  const json = enc(JSON.stringify({ format: 'CRLRUN01', ...head }));
  const out = new Uint8Array(12 + json.length + checkpoint.length);
  out.set(enc('CRLRUN01'), 0);
  new DataView(out.buffer).setUint32(8, json.length, true);
  out.set(json, 12);
  out.set(checkpoint, 12 + json.length);
  return out.buffer;
}

const goodSummary = () => {
  const { totalSteps: _t, ...s } = record('r1', { state: 'paused', step: 3 });
  return s;
};

function fullRun(): RunFile {
  return {
    summary: record('r1', { state: 'paused', step: 30, checkpointStep: 25 }),
    metrics: rows(1, 30),
    evals: [{ step: 10, accuracies: { 'probe/selection': 0.5, 'trace/hard': 0.25 } }],
    selection: [{ pairId: 'p1', step: 10, chosen: 'A', target: 'B', pA: 0.6, pB: 0.4, delta: -0.3, atClip: false }],
    rollouts: {
      step: 30,
      groups: [
        {
          prompt: 'c=3 ; final c',
          answer: '3',
          tag: 'mixed',
          completions: [{ text: '3', tokens: ['3'], logp: [-0.1], reward: 1, advantage: 0.7 }],
        },
      ],
    },
    checkpoint: { step: 25, buffer: runCheckpoint(25) },
  };
}

const problems = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    return (e as Error).message;
  }
  return 'no error';
};

describe('run files', () => {
  it('round-trip version 2: summary, metrics, evaluations, selection, rollouts, checkpoint', () => {
    const run = fullRun();
    const back = decodeRunFile(encodeRunFile(run), 'r.crlrun');
    expect(back.summary.id).toBe('r1');
    expect(back.summary.step).toBe(30);
    expect(back.metrics).toEqual(run.metrics);
    expect(back.evals).toEqual(run.evals);
    expect(back.selection).toEqual(run.selection);
    expect(back.rollouts).toEqual(run.rollouts);
    expect([...new Uint8Array(back.checkpoint!.buffer)]).toEqual([...new Uint8Array(run.checkpoint!.buffer)]);
  });

  it('reads files of version 1 (what the lab wrote before) through the migration', () => {
    const ck = new Uint8Array(runCheckpoint(3));
    const file = v1File(
      {
        summary: goodSummary(),
        metrics: [{ step: 1, t: 1, reward: null }, ...rows(2, 3)],
        evals: [{ step: 3, accuracies: { x: 0.5 } }],
        checkpoint: { step: 3, bytes: ck.length },
      },
      ck,
    );
    const f = decodeRunFile(file, 'old.crlrun');
    expect(f.selection).toEqual([]);
    expect(f.rollouts).toBeNull();
    expect(f.metrics[0]).toEqual({ step: 1, t: 1 }); // NaN was written as null: no value
    expect(f.checkpoint?.step).toBe(3);
  });

  it('names the file, the field path and the rule for every malformed part, and never throws a TypeError', () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ summary: goodSummary(), metrics: [], evals: null }, /^x\.crlrun: evals: must be a list/],
      [
        { summary: goodSummary(), metrics: [], evals: [{ step: 1 }] },
        /^x\.crlrun: evals\[0\]\.accuracies: must be an object of names to numbers/,
      ],
      [
        { summary: goodSummary(), metrics: [], evals: [{ step: 1, accuracies: null }] },
        /evals\[0\]\.accuracies: must be an object of names to numbers \(got null\)/,
      ],
      [
        { summary: { ...goodSummary(), config: 'fast' }, metrics: [], evals: [] },
        /summary\.config: config must be an object/,
      ],
      [{ summary: { ...goodSummary(), config: {} }, metrics: [], evals: [] }, /no error/],
      [
        { summary: { ...goodSummary(), config: { domain: 'bogus' } }, metrics: [], evals: [] },
        /summary\.config\.domain: domain must be one of trace, document, image/,
      ],
      [
        { summary: { ...goodSummary(), config: { knobs: null } }, metrics: [], evals: [] },
        /summary\.config\.knobs: knobs must map names/,
      ],
      [{ summary: { ...goodSummary(), state: 'flying' }, metrics: [], evals: [] }, /summary\.state: must be one of/],
      [{ summary: { id: 'x' }, metrics: [], evals: [] }, /summary\.name: must be a string/],
      [{ summary: null, metrics: [], evals: [] }, /summary: must be an object/],
      [
        { summary: goodSummary(), metrics: [{ step: 1, t: 0, reward: 'high' }], evals: [] },
        /metrics\[0\]\.reward: must be a number or null/,
      ],
      [
        { summary: goodSummary(), metrics: [JSON.parse('{"step":1,"t":0,"__proto__":1}')], evals: [] },
        /metrics\[0\]\.__proto__: metric name is a reserved name/,
      ],
      [
        { summary: { ...goodSummary(), name: 'n'.repeat(LIMITS.runNameChars + 1) }, metrics: [], evals: [] },
        /summary\.name: must have at most 200 characters/,
      ],
      [
        { summary: goodSummary(), metrics: [], evals: [], version: 3 },
        /version: this lab reads run files of version 1 and 2 \(got 3\)/,
      ],
    ];
    for (const [head, want] of cases) expect(problems(() => decodeRunFile(v1File(head), 'x.crlrun'))).toMatch(want);
  });

  it('checks sizes from the byte lengths before parsing: 1.5 million rows never reach JSON.parse', () => {
    // A header claiming 200 MB of JSON (what 1.5 million metric rows take) is refused from its length alone.
    const b = new Uint8Array(64);
    b.set(enc('CRLRUN01'), 0);
    new DataView(b.buffer).setUint32(8, 200_000_000, true);
    expect(problems(() => decodeRunFile(b.buffer, 'huge.crlrun'))).toMatch(
      /^huge\.crlrun: \(head\): the head is 200000000 bytes, more than the 134217728 a run file may have/,
    );
    // Within the byte limit, the row count is still bounded.
    const many = Array.from({ length: LIMITS.metricRows + 1 }, (_, i) => ({ step: i, t: 0 }));
    expect(
      problems(() => decodeRunFile(v1File({ summary: goodSummary(), metrics: many, evals: [] }), 'm.crlrun')),
    ).toMatch(/^m\.crlrun: metrics: at most 100000 metric rows/);
  });

  it('says what a file of another kind is', () => {
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]);
    const pairs = enc('{"id":"p1","domain":"trace","query":"q","answer":"1","positive":"a","negative":"b"}\n');
    const base = unpackRunCheckpoint; // (a run checkpoint is what a run file carries inside)
    expect(base).toBeDefined();
    expect(problems(() => decodeRunFile(png.buffer, 'a.png'))).toMatch(
      /a\.png: \(file\): this is a PNG image, not a run file/,
    );
    expect(problems(() => decodeRunFile(pairs.buffer, 'p.jsonl'))).toMatch(
      /this is a pairs file \(JSON Lines; load it under Pairs\)/,
    );
    expect(problems(() => decodeRunFile(runCheckpoint(4), 'c.bin'))).toMatch(/this is a run checkpoint/);
    expect(
      problems(() => decodeRunFile(enc('[{"method":"grpo","seed":0,"benchmark":"b","accuracy":1}]').buffer, 'r.json')),
    ).toMatch(/this is an experiment results\.json/);
    expect(problems(() => decodeRunFile(new ArrayBuffer(0), 'e'))).toMatch(/this is an empty file/);
    expect(identifyBytes(new Uint8Array([0xff, 0xfe, 0x5b, 0]))).toBe('utf16');
    expect(identifyBytes(enc('step,t,reward\n1,2,3'))).toBe('metrics-csv');
  });

  it("checks the embedded checkpoint's header: kind and the step the head names", () => {
    const run = fullRun();
    run.checkpoint = { step: 24, buffer: runCheckpoint(25) };
    expect(problems(() => decodeRunFile(encodeRunFile(run), 'r.crlrun'))).toMatch(
      /checkpoint\.step: the head says step 24, the checkpoint was saved at step 25/,
    );
    run.checkpoint = { step: 25, buffer: enc('garbage bytes here').buffer };
    expect(problems(() => decodeRunFile(encodeRunFile(run), 'r.crlrun'))).toMatch(
      /checkpoint: holds .* not a run checkpoint/,
    );
  });

  it('parses off a Blob with progress, refusing an oversized file from its size alone', async () => {
    const stages: string[] = [];
    const f = await parseBlob('run', new Blob([encodeRunFile(fullRun())]), 'r.crlrun', (s) => stages.push(s));
    expect(f.metrics.length).toBe(30);
    expect(stages).toContain('reading');
    expect(stages).toContain('checking');
    const big = { size: 2 ** 40, stream: () => undefined } as unknown as Blob;
    await expect(parseBlob('results', big, 'r.json')).rejects.toThrow(
      /r\.json: \(file\): 1099511627776 bytes is more than/,
    );
  });
});

describe('results.json and checkpoint headers share the schemas', () => {
  it('results rows: each error names the file, the row and the rule', () => {
    const ok = parseResultsJson(enc('[{"method":"grpo","seed":1,"benchmark":"b","accuracy":0.5}]'), 'results.json');
    expect(ok).toEqual([{ method: 'grpo', seed: 1, benchmark: 'b', accuracy: 0.5 }]);
    const bad = enc(
      '[{"method":"grpo","seed":1,"benchmark":"b","accuracy":0.5},{"method":"x","seed":1,"benchmark":"b","accuracy":1.5}]',
    );
    expect(problems(() => parseResultsJson(bad, 'results.json'))).toBe(
      'results.json: [1].accuracy: must be in [0, 1] (got 1.5)',
    );
    expect(problems(() => parseResultsJson(new Uint8Array(encodeRunFile(fullRun())), 'run.crlrun'))).toMatch(
      /run\.crlrun: \(file\): this is a ContextRL Lab run file \(\.crlrun\), not a results\.json/,
    );
    expect(problems(() => parseResultsJson(enc('{"rows":[]}'), 'r.json'))).toMatch(/must be a list of rows/);
    // A loss row (probe/ca_loss, in nats) may exceed 1, never go below 0.
    const loss = (v: number) => enc(`[{"method":"grpo","seed":1,"benchmark":"probe/ca_loss","accuracy":${v}}]`);
    expect(parseResultsJson(loss(1.08), 'results.json')[0].accuracy).toBe(1.08);
    expect(problems(() => parseResultsJson(loss(-0.5), 'results.json'))).toBe(
      'results.json: [0].accuracy: must be finite and >= 0 (a loss) (got -0.5)',
    );
  });

  it("a run file's evaluations may hold losses above 1 (probe/ca_loss), accuracies only in [0, 1]", () => {
    const run = fullRun();
    run.evals = [{ step: 2, accuracies: { 'probe/ca_loss': 1.08, 'probe/selection': 0.5 } }];
    expect(decodeRunFile(encodeRunFile(run)).evals[0].accuracies['probe/ca_loss']).toBe(1.08);
    run.evals = [{ step: 2, accuracies: { 'probe/selection': 1.08 } }];
    expect(problems(() => decodeRunFile(encodeRunFile(run)))).toMatch(
      /evals\[0\]\.accuracies\.probe\/selection: must be a number in \[0, 1\] \(a loss: finite and >= 0\) or null \(got 1\.08\)/,
    );
  });

  it("a run checkpoint's header is validated: a tensor past the payload, a bogus config", () => {
    const good = runCheckpoint(5);
    expect(unpackRunCheckpoint(good).meta.kind).toBe('run');
    const tamper = (edit: (h: Record<string, any>) => void) => {
      const b = new Uint8Array(good);
      const hlen = new DataView(good).getUint32(8, true);
      const h = JSON.parse(new TextDecoder().decode(b.subarray(12, 12 + hlen)));
      edit(h);
      const json = enc(JSON.stringify(h));
      const out = new Uint8Array(12 + json.length + (b.length - 12 - hlen));
      // The first container's magic: its checksum covers the payload only, so the edited header reaches the schema.
      out.set(enc('CRLRUNCK'), 0);
      new DataView(out.buffer).setUint32(8, json.length, true);
      out.set(json, 12);
      out.set(b.subarray(12 + hlen), 12 + json.length);
      let sum = 0x811c9dc5; // FNV-1a over the payload, as the first container computed it
      for (const x of b.subarray(16 + hlen)) sum = Math.imul(sum ^ x, 0x01000193);
      new DataView(out.buffer).setUint32(12 + json.length, sum >>> 0, true);
      return out.buffer;
    };
    expect(problems(() => unpackRunCheckpoint(tamper((h) => (h.tensors[0].length = 1e9))))).toMatch(
      /run checkpoint: tensors\[0\]\.offset: tensor m\/0 ends at byte 4000000004, past the 12 bytes of data/,
    );
    expect(problems(() => unpackRunCheckpoint(tamper((h) => (h.meta.config.domain = 'bogus'))))).toMatch(
      /meta\.config\.domain: domain must be one of/,
    );
    expect(problems(() => unpackRunCheckpoint(tamper((h) => (h.meta.modelConfig.dModel = 1e9))))).toMatch(
      /meta\.modelConfig\.dModel: must be an integer in \[1, 8192\]/,
    );
  });

  it("a model checkpoint's header is validated the same way", () => {
    expect(problems(() => decodeCheckpoint(new ArrayBuffer(8)))).toMatch(/truncated/);
    expect(FileError).toBeDefined();
  });
});
