// @ts-check
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

/**
 * Matches a relative (or baseUrl-rooted) import path that enters `dir`: `../../libs/x`, `libs/x`.
 * @param {string} dir
 */
const pathInto = (dir) => `^(?:(?:\\.{1,2}/)+(?:[^/]+/)*)?${dir}(?:/|$)`;

export default defineConfig(
  {
    ignores: ['dist/', 'node_modules/', 'coverage/', '.data/'],
  },

  // Plain JS (this file, jest.config.js): no type information, the tsconfig does not cover them.
  {
    files: ['**/*.{js,cjs,mjs}'],
    extends: [js.configs.recommended],
    languageOptions: {
      globals: {
        require: 'readonly',
        module: 'writable',
        __dirname: 'readonly',
        process: 'readonly',
        console: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        URL: 'readonly',
      },
    },
  },

  {
    files: ['**/*.ts'],
    extends: [js.configs.recommended, tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: {
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      // Nest handlers and interface implementations are often async without awaiting.
      '@typescript-eslint/require-await': 'off',
      // `expect(mock.method).toHaveBeenCalled()` passes methods unbound on purpose.
      '@typescript-eslint/unbound-method': 'off',
    },
  },

  // Boundaries: a lib's only public door is its `index.ts`, reached as `@tenantbus/<lib>`.
  {
    files: ['apps/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: pathInto('libs'),
              message: 'Import a lib through its entrypoint `@tenantbus/<lib>`, not by path.',
            },
            {
              regex: '^@tenantbus/[^/]+/',
              message: 'Only `@tenantbus/<lib>` is public; do not reach into its files.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['libs/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: pathInto('apps'),
              message: 'Libs must not depend on apps; move the shared code into a lib.',
            },
          ],
        },
      ],
    },
  },

  // Jest matchers (`expect.any`, `mock.calls`) are typed `any`; the unsafe-* rules only add noise.
  {
    files: ['**/*.spec.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-declaration-merging': 'off',
      '@typescript-eslint/no-unsafe-enum-comparison': 'off',
      '@typescript-eslint/no-unsafe-function-type': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-unary-minus': 'off',
    },
  },
);
