/** Every hostile link: each bad value dropped and named, and the config that remains is valid. */
import { describe, expect, it } from 'vitest';
import { decodeConfig } from '../../src/store/url.ts';
import { validateRunConfig } from '../../src/config/run-config.ts';
import { HOSTILE_URLS } from './inputs.ts';

describe('hostile links', () => {
  it.each(HOSTILE_URLS.map((u) => [u.query.slice(0, 60), u] as const))('?%s', (_, u) => {
    const before = Object.keys(Object.prototype);
    const d = decodeConfig(u.query);
    expect(d.warnings.length).toBe(u.warnings.length);
    u.warnings.forEach((w, i) => expect(d.warnings[i]).toContain(w));
    // Whatever the link held, the config the page starts from is one the runtime accepts.
    expect(validateRunConfig(d.config).ok).toBe(true);
    // Warnings are short and printable (a 100 kB value is cut; control characters are replaced).
    for (const w of d.warnings) {
      expect(w.length).toBeLessThan(300);
      // eslint-disable-next-line no-control-regex -- asserting that none are shown
      expect(w).not.toMatch(/[\u0000-\u001f]/);
    }
    expect(Object.keys(Object.prototype)).toEqual(before);
  });
});
