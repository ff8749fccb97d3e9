import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';
import reactHooks from 'eslint-plugin-react-hooks';
import prettier from 'eslint-config-prettier';

// The layout is the architecture (docs/ARCHITECTURE.md): imports flow
// ui -> store -> worker client -> (worker) -> runtime -> engine -> tasks, and src/config and
// src/results (tfjs-free tables, names and statistics) may be used from every layer.
// These rules make the boundaries mechanical.
const react = {
  group: ['react', 'react-dom', 'react-dom/*', 'react/*', 'zustand', 'zustand/*', 'recharts'],
  message: 'only src/ui and src/store use React and the UI libraries.',
};
const tfjs = { group: ['@tensorflow/*'], message: 'this layer is tfjs-free.' };
const above = (what) => ({
  group: what.map((w) => `**/${w}/**`),
  message: `this layer must not import ${what.join(', ')}.`,
});
// The page (ui, store) may import the engine and runtime for types only: values would load tfjs.
const pageBoundary = {
  group: [
    '**/engine/**',
    '**/runtime/**',
    '@tensorflow/*',
    '**/worker/handler*',
    '**/worker/run-loop*',
    '**/worker/backend-manager*',
    '**/worker/session-factory*',
    '**/worker/attribute*',
    '**/worker/worker*',
  ],
  allowTypeImports: true,
  message:
    'the page never loads tfjs: talk to the worker (src/worker/client.ts), and take names, labels and ' +
    'statistics from src/config, src/results or src/tasks.',
};
const noDom = ['error', 'document', 'window', 'localStorage', 'indexedDB'];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'public/**', 'out/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  { files: ['scripts/**', 'src/cli/**', 'test/**', '*.config.*'], languageOptions: { globals: { ...globals.node } } },
  { files: ['src/**'], languageOptions: { globals: { ...globals.browser, ...globals.worker } } },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
  { files: ['src/ui/**/*.tsx', 'src/ui/**/*.ts'], ...reactHooks.configs.flat.recommended },
  {
    files: ['src/ui/**/*.{ts,tsx}', 'src/store/**/*.ts'],
    rules: { '@typescript-eslint/no-restricted-imports': ['error', { patterns: [pageBoundary] }] },
  },
  // The wasm binaries' URLs (Vite's ?url imports) are plain strings, no tfjs code.
  { files: ['src/ui/wasmPaths.ts'], rules: { '@typescript-eslint/no-restricted-imports': 'off' } },
  {
    files: ['src/tasks/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [react, tfjs, above(['engine', 'runtime', 'worker', 'store', 'ui', 'config', 'results'])] },
      ],
      'no-restricted-globals': noDom,
    },
  },
  {
    files: ['src/config/**/*.ts', 'src/results/**/*.ts'],
    rules: {
      // The engine's types (ModelConfig) are fine: they load no code.
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [react, tfjs, { ...above(['engine', 'runtime', 'worker', 'store', 'ui']), allowTypeImports: true }],
        },
      ],
      'no-restricted-globals': noDom,
    },
  },
  {
    files: ['src/engine/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [react, above(['runtime', 'worker', 'store', 'ui'])] }],
      'no-restricted-globals': noDom,
    },
  },
  {
    files: ['src/runtime/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [react, above(['worker', 'store', 'ui'])] }],
      'no-restricted-globals': noDom,
    },
  },
  prettier,
);
