// Lint: typescript-eslint's recommended rules, plus the project's habits:
// no ambient time or randomness outside src/kernel, and size budgets.
import tseslint from 'typescript-eslint';

const ambient = {
  'no-restricted-properties': ['error',
    { object: 'Date', property: 'now', message: 'Use the injected Clock (src/kernel/clock.ts).' },
    { object: 'Math', property: 'random', message: 'Use the injected IdGenerator (src/kernel/ids.ts).' }],
  'no-restricted-globals': ['error',
    { name: 'setTimeout', message: 'Use Clock.sleep (src/kernel/clock.ts).' },
    { name: 'setInterval', message: 'Use Clock.sleep in a loop (src/kernel/clock.ts).' }],
  'no-restricted-syntax': ['error',
    { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: 'Use the injected Clock.' }],
};

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'data/**', 'bin/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'max-lines': ['warn', { max: 350, skipBlankLines: true, skipComments: true }],
      'max-lines-per-function': ['warn', { max: 60, skipBlankLines: true, skipComments: true }],
      complexity: ['warn', 15],
    },
  },
  { files: ['src/**/*.ts'], ignores: ['src/kernel/**', 'src/**/*.test.ts', 'src/**/testing/**', 'src/cli/**'], rules: ambient },
  // Test files and shared conformance suites are long lists of cases by nature.
  { files: ['**/*.test.ts', 'test/**/*.ts', '**/testing/**/*.ts', '**/*.suite.ts'], rules: { 'max-lines-per-function': 'off' } },
);
