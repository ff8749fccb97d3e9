import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';
import reactHooks from 'eslint-plugin-react-hooks';
import prettier from 'eslint-config-prettier';

// The layout is the architecture (docs/CONTRIBUTING.md): imports flow
// ui -> store -> worker client -> engine -> tasks. These rules make the boundaries mechanical.
const uiAndDom = [
  {
    group: ['react', 'react-dom', 'react-dom/*', 'react/*', 'zustand', 'zustand/*', 'recharts'],
    message: 'engine and tasks stay free of React and the UI.',
  },
  {
    group: ['**/store/**', '**/ui/**', '**/worker/**'],
    message: 'engine and tasks must not import the store, ui or worker.',
  },
];
const tfjs = [{ group: ['@tensorflow/*'], message: 'tasks are pure data: no tfjs.' }];

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
    files: ['src/engine/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: uiAndDom }],
      'no-restricted-globals': ['error', 'document', 'window', 'localStorage', 'indexedDB'],
    },
  },
  {
    files: ['src/tasks/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [...uiAndDom, ...tfjs, { group: ['**/engine/**'], message: 'tasks must not import the engine.' }] },
      ],
      'no-restricted-globals': ['error', 'document', 'window', 'localStorage', 'indexedDB'],
    },
  },
  prettier,
);
