import { configDefaults, defineConfig } from 'vitest/config';

/**
 * The tests `npm run mutate` runs against each mutant: those of the mutated core (prompt pipeline,
 * response accumulator, retry policy and rate limiter, audit chain and verifier, idempotency path).
 */
export default defineConfig({
  test: {
    include: [
      'test/prompt/**/*.test.ts',
      'test/stream/response-accumulator.test.ts',
      'test/stream/response-accumulator-limits.test.ts',
      'test/http/retry-policy.test.ts',
      'test/http/retry-policy-edges.test.ts',
      'test/http/rate-limiter.test.ts',
      'test/http/rate-limiter-settings.test.ts',
      'test/http/rate-limiter-pacer.test.ts',
      'test/observe/audit-chain.test.ts',
      'test/observe/audit-entry.test.ts',
      'test/observe/audit-log.test.ts',
      'test/observe/audit-verify.test.ts',
      'test/observe/audit-verify-suspect.test.ts',
      'test/observe/audit-verify-results.test.ts',
      'test/observe/audit-verify-database.test.ts',
      'test/observe/audit-verify-checkpoints.test.ts',
      'test/observe/audit-checkpoint.test.ts',
      'test/observe/audit-sink.test.ts',
      'test/observe/audit-backend-fields.test.ts',
      'test/observe/canonical-json.test.ts',
      'test/observe/canonical-json-errors.test.ts',
      'test/emulator/idempotency-cache.test.ts',
      'test/emulator/idempotency-cache-pointed.test.ts',
      'test/emulator/conversations.test.ts',
    ],
    // A megabyte through instrumented code outlasts any timeout; the smaller counts cover the same code.
    exclude: [...configDefaults.exclude, 'test/prompt/byte-pair-megabyte.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
  },
});
