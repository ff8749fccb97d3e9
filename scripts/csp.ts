/**
 * The lab's Content-Security-Policy: what the page needs and nothing else.
 *   script-src 'self' 'wasm-unsafe-eval'   the bundle, and compiling tfjs's wasm; no inline script, no eval
 *   worker-src 'self' blob:                the trainer and pairs workers; tfjs's wasm threads start from a blob
 *   img-src 'self' data: blob:             heat maps (data: PNGs), chart PNG export (blob:)
 *   connect-src 'self'                     the bundled models and the wasm binaries (same origin)
 *   style-src 'self' 'unsafe-inline'       recharts and React set style attributes
 * Served as a header by `vite` and `vite preview` (with COOP / COEP), and as a meta tag in the built
 * index.html for static hosts that send no headers (a meta policy cannot set frame-ancestors).
 * The dev server also allows its HMR socket and React's refresh preamble (an inline script it
 * marks with a per-server nonce).
 */
import { randomBytes } from 'node:crypto';
import type { Plugin } from 'vite';

type Directives = Record<string, string[]>;

export const CSP_DIRECTIVES: Directives = {
  'default-src': ["'self'"],
  'script-src': ["'self'", "'wasm-unsafe-eval'"],
  'worker-src': ["'self'", 'blob:'],
  'img-src': ["'self'", 'data:', 'blob:'],
  'connect-src': ["'self'"],
  'style-src': ["'self'", "'unsafe-inline'"],
  'font-src': ["'self'"],
  'object-src': ["'none'"],
  'base-uri': ["'self'"],
  'form-action': ["'self'"],
};

export function cspString(d: Directives = CSP_DIRECTIVES, extra: Directives = {}): string {
  const all: Directives = { ...d };
  for (const [k, v] of Object.entries(extra)) all[k] = [...(all[k] ?? []), ...v];
  return Object.entries(all)
    .map(([k, v]) => `${k} ${v.join(' ')}`)
    .join('; ');
}

/** The header policy of the preview server (a header can also forbid framing). */
export const PREVIEW_CSP = cspString(CSP_DIRECTIVES, { 'frame-ancestors': ["'none'"] });

/** The dev server's nonce for the inline scripts Vite and the React plugin inject (dev only). */
export const DEV_NONCE = randomBytes(16).toString('base64');
export const DEV_CSP = cspString(CSP_DIRECTIVES, {
  'script-src': [`'nonce-${DEV_NONCE}'`],
  'connect-src': ['ws:', 'wss:'],
  'frame-ancestors': ["'none'"],
});

/** Puts the policy into the built index.html as a meta tag, right after the charset and before any script. */
export function cspMeta(): Plugin {
  return {
    name: 'contextrl:csp-meta',
    apply: 'build',
    transformIndexHtml: {
      order: 'post',
      handler: (html) => {
        const meta = `<meta http-equiv="Content-Security-Policy" content="${cspString().replace(/'/g, '&#39;')}" />`;
        const at = html.search(/<meta charset[^>]*>/i);
        if (at < 0) throw new Error('csp-meta: index.html has no <meta charset>');
        const end = html.indexOf('>', at) + 1;
        return `${html.slice(0, end)}\n    ${meta}${html.slice(end)}`;
      },
    },
  };
}
