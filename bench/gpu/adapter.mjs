// Prints the WebGPU adapter Dawn (the `webgpu` package) finds with the current environment, as one
// JSON line: { ok, vendor, architecture, device, description, fallback } or { ok: false, error }.
// run.sh uses it to check that a GPU server's Vulkan driver is picked rather than a software one.
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
try {
  const { create, globals } = require('webgpu');
  Object.assign(globalThis, globals);
  const gpu = create(['backend=vulkan']);
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) throw new Error('requestAdapter returned null');
  const i = adapter.info ?? {};
  const fallback = Boolean(adapter.isFallbackAdapter || i.isFallbackAdapter);
  console.log(
    JSON.stringify({
      ok: true,
      vendor: i.vendor,
      architecture: i.architecture,
      device: i.device,
      description: i.description,
      fallback,
    }),
  );
} catch (e) {
  console.log(JSON.stringify({ ok: false, error: String(e && e.message ? e.message : e) }));
}
process.exit(0);
