import { defineConfig } from 'vitest/config';

// End-to-end tests: a real Chromium against the built app, served by scripts/e2e.mjs.
export default defineConfig({
  test: {
    include: ['test/e2e/**/*.e2e.ts'],
    environment: 'node',
    testTimeout: 300_000,
    hookTimeout: 120_000,
    fileParallelism: false,
  },
});
