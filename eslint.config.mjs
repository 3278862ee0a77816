// ESLint flat config for the whole monorepo. Each package runs `eslint src` (from its own folder); this root
// file is found by walking up. Rules are type-unaware on purpose (no parserOptions.project): linting stays
// fast, and `tsc --noEmit` (pnpm typecheck) already does the type checking.
import js from '@eslint/js';
import { defineConfig, globalIgnores } from 'eslint/config';
import tseslint from 'typescript-eslint';

/** Node.js globals for plain .js/.cjs/.mjs files (TypeScript files get theirs from @types/node). */
const nodeGlobals = Object.fromEntries(
  [
    'Buffer',
    '__dirname',
    '__filename',
    'clearInterval',
    'clearTimeout',
    'console',
    'exports',
    'global',
    'module',
    'process',
    'require',
    'setImmediate',
    'setInterval',
    'setTimeout',
    'structuredClone',
    'URL',
  ].map((name) => [name, 'readonly']),
);

export default defineConfig(
  globalIgnores([
    '**/dist/**',
    '**/dist-bench/**',
    '**/dist-check/**',
    '**/schemas/**',
    '**/node_modules/**',
    '**/.local/**',
    '**/reports/**',
    '**/coverage/**',
    '**/.turbo/**',
    'infra/kafka/lib/**',
    'infra/kafka/tools-lib/**',
    'infra/kafka/target/**',
  ]),
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    rules: {
      // `_`-prefixed names mark deliberately unused arguments, destructured leftovers and caught errors.
      '@typescript-eslint/no-unused-vars': [
        'error',
        {
          args: 'after-used',
          argsIgnorePattern: '^_',
          varsIgnorePattern: '^_',
          caughtErrorsIgnorePattern: '^_',
          destructuredArrayIgnorePattern: '^_',
          ignoreRestSiblings: true,
        },
      ],
      // `any` is sometimes the honest type at a boundary (generic registries, third-party metadata): flag it,
      // do not fail the build on it.
      '@typescript-eslint/no-explicit-any': 'warn',
    },
  },
  {
    files: ['**/*.js', '**/*.cjs', '**/*.mjs'],
    languageOptions: { globals: nodeGlobals },
  },
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // Services log through their logger (structured, with ids), never the console. Benchmarks and scripts
    // print their figures and progress to the console on purpose.
    files: ['**/src/**/*.{ts,js,cjs,mjs}'],
    rules: { 'no-console': 'error' },
  },
);
