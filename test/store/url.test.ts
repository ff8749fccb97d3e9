import { describe, expect, it } from 'vitest';
import { decodeConfig, encodeConfig } from '../../src/store/url.ts';
import { defaultRunConfig, presetConfig, validateRunConfig } from '../../src/store/configSpec.ts';

describe('config in the URL', () => {
  it('the default config is just the version', () => {
    expect(encodeConfig(defaultRunConfig())).toBe('v=1');
  });
  it('writes only non-default values and round-trips them', () => {
    const base = defaultRunConfig();
    const c = {
      ...base,
      method: 'grpo' as const,
      lambda: 0.005,
      seed: 7,
      knobs: { ...base.knobs, depth: 'compare', shortcut: 0, noise: 5 },
    };
    const q = encodeConfig(c);
    expect(q).toBe('v=1&lambda=0.005&method=grpo&seed=7&k.depth=compare&k.noise=5&k.shortcut=0');
    const d = decodeConfig('?' + q);
    expect(d.config).toEqual(c);
    expect(d.warnings).toEqual([]);
  });
  it('a non-default preset is named and other fields are relative to it', () => {
    const c = { ...presetConfig('document-default'), groupSize: 4 };
    const q = encodeConfig(c);
    expect(q).toBe('v=1&preset=document-default&groupSize=4');
    expect(decodeConfig(q).config).toEqual(c);
  });
  it('bad values become warnings, never exceptions', () => {
    const d = decodeConfig('v=9&groupSize=abc&bogus=1&seed=3');
    expect(d.config.seed).toBe(3);
    expect(d.config.groupSize).toBe(defaultRunConfig().groupSize);
    expect(d.warnings).toEqual([
      'URL format version 9 is not 1; reading it as 1',
      'groupSize: not a number: "abc"',
      'unknown setting "bogus" ignored',
    ]);
  });
  it('optional extensions round-trip', () => {
    const c = { ...defaultRunConfig(), benchmarks: ['trace-hard', 'probe'], dropZeroStd: true, warmupSteps: 5 };
    expect(decodeConfig(encodeConfig(c)).config).toEqual(c);
  });
});

describe('inline validation', () => {
  it("puts the runtime's messages under their fields", () => {
    const e = validateRunConfig({ ...defaultRunConfig(), groupSize: 1, steps: 2.5, method: 'contextrl', lambda: 0 });
    expect(e.groupSize).toBe('groupSize must be an integer in [2, 64] (got 1)');
    expect(e.steps).toMatch(/^steps must be an integer/);
    expect(validateRunConfig({ ...defaultRunConfig(), lambda: 0 }).lambda).toBe(
      'lambda must be > 0 for method contextrl (got 0)',
    );
    expect(validateRunConfig(defaultRunConfig())).toEqual({});
  });
});

describe('links that cannot be used', () => {
  it('a bad domain is dropped with a warning that names it, and the config stays valid', () => {
    const d = decodeConfig('v=1&domain=bogus&seed=4');
    expect(d.config.domain).toBe('trace');
    expect(d.config.seed).toBe(4);
    expect(d.warnings).toEqual([
      'domain must be one of trace, document, image (got "bogus"): the link\'s value was not used',
    ]);
    expect(validateRunConfig(d.config)).toEqual({});
  });
  it('object keys such as constructor, toString and __proto__ are unknown settings, not fields', () => {
    const d = decodeConfig('constructor=1&toString=2&__proto__=3&valueOf=4');
    expect(d.warnings).toEqual([
      'unknown setting "constructor" ignored',
      'unknown setting "toString" ignored',
      'unknown setting "__proto__" ignored',
      'unknown setting "valueOf" ignored',
    ]);
    expect(validateRunConfig(d.config)).toEqual({});
  });
  it('an unknown preset is named and the default preset used', () => {
    const d = decodeConfig('preset=bogus');
    expect(d.config.preset).toBe('trace-default');
    expect(d.warnings).toEqual(['unknown preset "bogus": using trace-default']);
  });
  it('a knob out of its range is dropped and named', () => {
    const d = decodeConfig('preset=image-default&k.imageSize=100000');
    expect(d.config.knobs.imageSize).toBe(presetConfig('image-default').knobs.imageSize);
    expect(d.warnings.length).toBeGreaterThan(0);
    expect(d.warnings.every((w) => w.startsWith('knobs.imageSize must be'))).toBe(true);
    expect(validateRunConfig(d.config)).toEqual({});
  });

  it('probePairs=100000 (27 s of generation at load) is dropped and named; the maxima keep 1000', () => {
    const d = decodeConfig('v=1&probePairs=100000&evalItems=50000');
    expect(d.config.probePairs).toBe(defaultRunConfig().probePairs);
    expect(d.config.evalItems).toBe(defaultRunConfig().evalItems);
    expect(d.warnings).toEqual([
      "evalItems must be an integer in [1, 2000] (got 50000): the link's value was not used",
      "probePairs must be an integer in [0, 1000] (got 100000): the link's value was not used",
    ]);
    expect(decodeConfig('v=1&probePairs=1000&evalItems=1000').warnings).toEqual([]);
  });

  it('a knob the domain does not declare is dropped and named (constructor is not inherited)', () => {
    const d = decodeConfig('v=1&k.constructor=2&k.long=true');
    expect(d.warnings).toEqual([
      'unknown knob "constructor" for domain trace ignored',
      'unknown knob "long" for domain trace ignored',
    ]);
    expect(Object.keys(d.config.knobs)).not.toContain('constructor');
    expect(validateRunConfig(d.config)).toEqual({});
  });
});
