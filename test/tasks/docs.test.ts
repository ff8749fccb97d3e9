import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { documentDomain, formatItemPrompt, imageDomain, traceDomain, type RLItem } from '../../src/tasks/index.ts';

const doc = (path: string) => readFileSync(new URL(`../../src/tasks/${path}`, import.meta.url), 'utf8');

/** The encoded example in each domain's doc comment is what the generator really produces. */
describe('domain doc comments', () => {
  const check = (source: string, item: RLItem) => {
    expect(source).toContain(` *   query    ${item.query}\n`);
    expect(source).toContain(` *   answer   ${item.answer}\n`);
    if (item.image) expect(source).toContain(` *   scene    ${item.meta.scene} `);
    else {
      expect(source).toContain(` *   context  ${item.context}\n`);
      expect(source).toContain(` *   prompt   ${formatItemPrompt(item).text}\n`);
    }
  };
  it('trace', () => check(doc('trace/index.ts'), traceDomain.items(1, 4)[3]));
  it('document', () => check(doc('document/index.ts'), documentDomain.items(1, 1)[0]));
  it('image', () => check(doc('image/index.ts'), imageDomain.items(1, 1, { question: 'colour-of-shape' })[0]));
});
