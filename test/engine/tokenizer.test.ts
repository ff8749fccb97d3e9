import { describe, expect, it } from 'vitest';
import { SPECIAL_TOKENS, Tokenizer } from '../../src/engine/index.ts';

const vocab = ['c=7', 'lamp:blue', 'x', 'is', 'what', 'the', 'value', 'of'];

describe('Tokenizer', () => {
  const tok = new Tokenizer(vocab, { nPatches: 4 });
  it('puts the special tokens first: pad, bos, eos, sep, unk, img', () => {
    expect(SPECIAL_TOKENS.map((t) => tok.id(t))).toEqual([0, 1, 2, 3, 4, 5]);
    expect([tok.pad, tok.bos, tok.eos, tok.sep, tok.unk, tok.img]).toEqual([0, 1, 2, 3, 4, 5]);
  });
  it('a vocabulary entry is one token', () => {
    expect(tok.encode('c=7 | lamp:blue ->')).toEqual([tok.id('c=7'), tok.id('|'), tok.id('lamp:blue'), tok.id('->')]);
  });
  it('splits unknown chunks into characters, digits single tokens, continuation pieces glued on decode', () => {
    const ids = tok.encode('x=12');
    expect(ids).toEqual([tok.id('x'), tok.id('##='), tok.id('##1'), tok.id('##2')]);
    expect(tok.decode(ids)).toBe('x=12');
  });
  it.each([
    'what is the value of c=7 | x ->',
    'c=7 | A: lamp:blue d=9 | B: lamp:red | which -> A',
    'x=123 y=-4 (z) !? ##y',
  ])('known-word text round-trips: %s', (text) => {
    expect(tok.decode(tok.encode(text))).toBe(text);
  });
  it('characters outside the vocabulary become unk, never a crash', () => {
    const ids = tok.encode('héllo ✓ 名前');
    expect(ids.filter((i) => i === tok.unk).length).toBe(4);
    expect(ids.every((i) => i >= 0 && i < tok.size)).toBe(true);
  });
  it('<img> expands to nPatches placeholders and decodes back to one marker per image', () => {
    const ids = tok.encode('<img> <img> | x ->');
    expect(ids.slice(0, 8)).toEqual(new Array(8).fill(tok.img));
    expect(tok.decode(ids)).toBe('<img> <img> | x ->');
  });
  it('decode stops at eos and skips pad and bos', () => {
    expect(tok.decode([tok.pad, tok.bos, tok.id('x') as number, tok.eos, tok.id('is') as number])).toBe('x');
    expect(tok.decode([tok.id('x') as number, tok.eos], { keepEos: true })).toBe('x <eos>');
  });
  it('the vocabulary hash identifies the token list', () => {
    expect(new Tokenizer(vocab, { nPatches: 4 }).vocabHash).toBe(tok.vocabHash);
    expect(new Tokenizer([...vocab, 'extra']).vocabHash).not.toBe(tok.vocabHash);
  });
  it('rejects vocabulary entries with whitespace', () => {
    expect(() => new Tokenizer(['a b'])).toThrow(/whitespace/);
  });
});
