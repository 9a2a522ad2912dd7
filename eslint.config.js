// ESLint flat config: a small rule set the code meets, run by `npm test` (tests/project/lint.test.ts) and `npm run lint`.
// Type-aware (the project's tsconfig) so that a promise nobody awaits or handles is caught: in a sensor that must
// never lose an aggregate silently, a forgotten `await` is a bug.
import tseslint from 'typescript-eslint';

/** The rules for TypeScript and for the browser's checked JavaScript alike. */
const COMMON_RULES = {
  eqeqeq: ['error', 'always', { null: 'ignore' }],
  'no-var': 'error',
  'prefer-const': ['error', { destructuring: 'all' }],
  'no-debugger': 'error',
  'no-duplicate-imports': 'off',
  '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true }],
  '@typescript-eslint/no-floating-promises': 'error',
  '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
};

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'coverage/**', '**/*.mjs'] },
  // Other JavaScript (bin/, config files) is not linted; the browser's scripts are (below).
  { ignores: ['**/*.js', '!gateway/pages/display-client.js', '!shared/display-words.js'] },
  {
    files: ['**/*.ts'],
    languageOptions: { parser: tseslint.parser, parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    plugins: { '@typescript-eslint': tseslint.plugin },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      ...COMMON_RULES,
      // A warning: the few left are listener signatures (each with its reason) and input not yet typed by a schema.
      '@typescript-eslint/no-explicit-any': 'warn',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports', disallowTypeAnnotations: false }],
      // An eslint-disable must say why (`-- reason`).
      '@typescript-eslint/ban-ts-comment': ['error', { 'ts-expect-error': 'allow-with-description' }],
    },
  },
  {
    // The browser's scripts: plain JavaScript checked by tsc (`// @ts-check`, tsconfig.browser.json), linted here.
    files: ['gateway/pages/display-client.js', 'shared/display-words.js'],
    languageOptions: { parser: tseslint.parser, parserOptions: { project: './tsconfig.browser.json', tsconfigRootDir: import.meta.dirname } },
    plugins: { '@typescript-eslint': tseslint.plugin },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: COMMON_RULES,
  },
  {
    // Tests poke at untyped JSON replies and private corners on purpose.
    files: ['tests/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
);
