/**
 * The lab's Content-Security-Policy: what the page needs and nothing else.
 *   script-src 'self' 'wasm-unsafe-eval'   the bundle, and compiling tfjs's wasm; no inline script, no eval
 *   worker-src 'self' blob:                the trainer and pairs workers; tfjs's wasm threads start from a blob
 *   img-src 'self' data: blob:             heat maps (data: PNGs), chart PNG export (blob:)
 *   connect-src 'self'                     the bundled models and the wasm binaries (same origin)
 *   style-src 'self' 'unsafe-inline'       recharts and React set style attributes
 * Served as a header by `vite` and `vite preview` (with COOP / COEP), and as a meta tag in the built
 * index.html for static hosts that send no headers (a meta policy cannot set frame-ancestors).
 * Worker scripts get the same policy plus blob: scripts (tfjs's wasm threads, see WORKER_EXTRA).
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

/**
 * The policy of worker scripts. A worker's policy comes from its own response, and tfjs's wasm
 * threads are workers the trainer worker starts from a blob that then loads the module factory
 * from another blob (importScripts): so workers, and only they, may also run blob: scripts. The
 * page's own policy stays without it; a script response's policy means nothing to a page.
 */
export const WORKER_EXTRA: Directives = { 'script-src': ['blob:'] };

/** The header policies of the preview server (a header can also forbid framing). */
export const PREVIEW_CSP = cspString(CSP_DIRECTIVES, { 'frame-ancestors': ["'none'"] });
export const PREVIEW_WORKER_CSP = cspString(CSP_DIRECTIVES, { ...WORKER_EXTRA, 'frame-ancestors': ["'none'"] });

/** The dev server's nonce for the inline scripts Vite and the React plugin inject (dev only). */
export const DEV_NONCE = randomBytes(16).toString('base64');
const DEV_EXTRA: Directives = { 'connect-src': ['ws:', 'wss:'], 'frame-ancestors': ["'none'"] };
export const DEV_CSP = cspString(CSP_DIRECTIVES, { ...DEV_EXTRA, 'script-src': [`'nonce-${DEV_NONCE}'`] });
export const DEV_WORKER_CSP = cspString(CSP_DIRECTIVES, { ...DEV_EXTRA, ...WORKER_EXTRA });

/** A page (HTML) or anything else: only documents get the page policy. */
function isDocument(url: string | undefined): boolean {
  const path = (url ?? '/').split('?')[0];
  return path.endsWith('/') || path.endsWith('.html') || !/\.[a-z0-9]+$/i.test(path);
}

type Use = (
  fn: (req: { url?: string }, res: { setHeader(k: string, v: string): void }, next: () => void) => void,
) => void;

/** Sends the policy as a header from `vite` and `vite preview`: the page's to pages, the workers' to scripts. */
export function cspHeaders(): Plugin {
  // Hooks that return a function get it called after Vite's own middlewares: these return nothing.
  const add = (use: Use, page: string, worker: string): void => {
    use((req, res, next) => {
      res.setHeader('Content-Security-Policy', isDocument(req.url) ? page : worker);
      next();
    });
  };
  return {
    name: 'contextrl:csp-headers',
    configureServer(server) {
      add(server.middlewares.use.bind(server.middlewares) as Use, DEV_CSP, DEV_WORKER_CSP);
    },
    configurePreviewServer(server) {
      add(server.middlewares.use.bind(server.middlewares) as Use, PREVIEW_CSP, PREVIEW_WORKER_CSP);
    },
  };
}

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
