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
      knobs: { ...base.knobs, depth: 'compare', shortcut: 0, long: true },
    };
    const q = encodeConfig(c);
    expect(q).toBe('v=1&lambda=0.005&method=grpo&seed=7&k.depth=compare&k.long=true&k.shortcut=0');
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
