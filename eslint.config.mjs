// The extension template's lint setup in ESLint's flat config: typescript-eslint's recommended rules,
// with formatting left to prettier (`npm run lint` runs both; CI runs it before the tests).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';
import globals from 'globals';

export default tseslint.config(
  {
    ignores: [
      'node_modules/',
      'lib/',
      'labextension/',
      '.venv/',
      '.venv-jupyterlab-4.0/',
      '.venv-kernel-only/',
      '.venv-voila/',
      '.venv-tensorboard/',
      '.test-notebooks/',
      '.test-notebooks-deno/',
      'test-results/',
      'examples/node_modules/'
    ]
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }]
    }
  },
  { files: ['src/lab/**', 'style/**'], languageOptions: { globals: { ...globals.browser } } },
  {
    // Promises: every one is awaited, returned or marked `void` on purpose, and none is passed where
    // a callback's result is ignored (type-aware: each file is checked with its own tsconfig).
    files: ['src/**/*.ts', 'test/**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error'
    }
  },
  {
    // CommonJS tooling files, the example's job script and the benchmarks' browser-side snippets.
    files: ['**/*.js', '**/*.cjs'],
    rules: { '@typescript-eslint/no-require-imports': 'off' }
  },
  {
    // Tests read JSON from the wire and from disk: `any` there is the wire's shape, checked by expect().
    files: ['test/**'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' }
  }
);
