// @ts-check
/**
 * Mutation testing of the core (`npm run mutate`): the prompt pipeline, the response accumulator,
 * the retry policy and rate limiter, the audit chain and its verifier, and the idempotency path.
 * The HTML and JSON reports go to reports/mutation/ (ignored by git); docs/testing.md records the score.
 * @type {import('@stryker-mutator/api/core').PartialStrykerOptions}
 */
const config = {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.mutate.config.ts', related: false },
  plugins: ['@stryker-mutator/vitest-runner'],
  coverageAnalysis: 'perTest',
  concurrency: 2,
  mutate: [
    'src/prompt/**/*.ts',
    '!src/prompt/index.ts',
    'src/stream/response-accumulator.ts',
    'src/http/retry-policy.ts',
    'src/http/rate-limiter.ts',
    'src/observe/audit-chain.ts',
    'src/observe/audit-entry.ts',
    'src/observe/audit-verify.ts',
    'src/observe/audit-verify-suspect.ts',
    'src/observe/canonical-json.ts',
    'src/emulator/idempotency-cache.ts',
  ],
  ignorePatterns: ['dist', 'coverage', 'reports', 'bench/results.md', '.tmp'],
  thresholds: { high: 90, low: 85, break: null },
  timeoutMS: 5_000,
  // Mutants in code that runs once at import (schemas, tables) would each need the whole run; skipped.
  ignoreStatic: true,
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  // Reruns test only the mutants whose code or covering tests changed since the last run.
  incremental: true,
  incrementalFile: 'reports/stryker-incremental.json',
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
};
export default config;
