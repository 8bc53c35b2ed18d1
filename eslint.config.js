// Type-aware lint. libs/ is the framework-free science core: no NestJS, BullMQ, ioredis or HTTP there.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const frameworkFree = [
  { group: ['@nestjs/*'], message: 'libs/ is framework-free: NestJS belongs in apps/.' },
  { group: ['bullmq', 'bullmq/*'], message: 'libs/ is framework-free: queues belong in workers/ and apps/.' },
  {
    group: ['ioredis', 'ioredis/*'],
    message: 'libs/ is framework-free: Redis belongs in workers/ and apps/.',
  },
  { group: ['node:http', 'http', 'node:https', 'https'], message: 'libs/ does no HTTP.' },
];
const upward = (who) => ({
  group: ['**/apps/**', '**/workers/**'],
  message: `${who} must not import apps/ or workers/ (they sit above every lib).`,
});

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'data/**', 'coverage/**', '**/*.js', '**/*.cjs', '**/*.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': [
        'error',
        { fixStyle: 'inline-type-imports', disallowTypeAnnotations: false },
      ],
    },
  },
  {
    files: ['apps/api/**/*.ts', 'workers/**/*.ts'],
    // NestJS injects by the emitted constructor metadata: type-only imports would erase it.
    rules: { '@typescript-eslint/consistent-type-imports': 'off' },
  },
  {
    files: ['libs/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: frameworkFree }] },
  },
  {
    // Layers: apps/workers → libs/service → libs/pipeline → science libs → libs/netcdf. The service confines
    // paths and runs jobs; the pipeline gets absolute, already confined paths and never imports the service.
    files: ['libs/service/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [...frameworkFree, upward('libs/service')] }] },
  },
  {
    files: ['libs/pipeline/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            ...frameworkFree,
            upward('libs/pipeline'),
            {
              group: ['**/service/**'],
              message: 'libs/pipeline must not import libs/service (service → pipeline).',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['libs/**/*.ts'],
    ignores: ['libs/service/**', 'libs/pipeline/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            ...frameworkFree,
            upward('science libs'),
            {
              group: ['**/service/**', '**/pipeline/**'],
              message: 'science libs must not import libs/pipeline or libs/service (they sit below both).',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
);
