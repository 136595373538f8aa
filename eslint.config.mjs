// typescript-eslint's recommended type-checked rules, with Prettier owning the layout.
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'cdk.out/', '.local-data/', 'bench/.data/', 'coverage/', 'dist/'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ['*.js', '*.mjs', 'test/*.js', 'local/lambda-runtime/*.cjs'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      // Unused parameters are allowed when their name says so (`_event`); tsc's noUnusedLocals covers the rest.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      // `void promise` marks a deliberately detached promise (an event handler, a best-effort abort).
      '@typescript-eslint/no-floating-promises': ['error', { ignoreVoid: true }],
      // Template literals of numbers and booleans are how every message here is written.
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true, allowNullish: true }],
    },
  },
  {
    // Tests read JSON (templates, manifests, EMF lines) whose shape the assertions check; `any` is their input.
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      // CDK's Template.findResources and JSON.parse give `any`; the assertions are the type check.
      '@typescript-eslint/no-explicit-any': 'off',
      // Fakes implement async interfaces (an S3 send, an async iterable) without awaiting anything.
      '@typescript-eslint/require-await': 'off',
      // Values read back from DuckDB and from parsed JSON are printed into assertion messages.
      '@typescript-eslint/no-base-to-string': 'off',
      // Hostile-input tests match control characters on purpose.
      'no-control-regex': 'off',
      // jest's expect(...).rejects and mocks are awaited or returned as the tests need.
      '@typescript-eslint/unbound-method': 'off',
    },
  },
  {
    // CommonJS by design: the Lambda-like runner loads nothing but Node.js and the bundle.
    files: ['**/*.cjs'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['**/*.js', '**/*.cjs', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      globals: {
        require: 'readonly',
        module: 'writable',
        process: 'readonly',
        __dirname: 'readonly',
        console: 'readonly',
        setInterval: 'readonly',
      },
    },
  },
  prettier,
);
