// Flat config: the TypeScript-aware recommended set, and the one architectural rule the code keeps.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** The stage folders speak only to ports: no AWS SDK, no adapters (sources, sinks, stores), no AWS helpers. */
const STAGE_IMPORTS = {
  patterns: [
    { group: ['@aws-sdk/*', '@smithy/*', '@aws-lambda-powertools/*'], message: 'stage code knows no AWS SDK: talk to a port (lambda/ports.ts)' },
    { group: ['**/aws/*', '**/stores/*', '**/sources/*', '**/sinks/*', '**/handler/*', '**/handler'], message: 'stage code knows no adapter: take a port' },
  ],
};

export default tseslint.config(
  { ignores: ['node_modules/**', 'cdk.out/**', 'dist/**', '.bench/**', 'coverage/**', '.scratch/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-control-regex': 'off',
    },
  },
  {
    files: ['lambda/fdr/**/*.ts', 'lambda/rules/**/*.ts', 'lambda/context/**/*.ts', 'lambda/alerts/**/*.ts', 'lambda/stateful/**/*.ts', 'lambda/pipeline.ts', 'lambda/keys.ts'],
    rules: { 'no-restricted-imports': ['error', STAGE_IMPORTS] },
  },
  {
    files: ['bin/**/*.mjs', 'scripts/**/*.mjs', 'bench/**/*.mjs', '.ci/**'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
);
