/**
 * The library's messages name its options (`requestsPerMinute`, `allowInsecure`, ...), which a CLI
 * user cannot type. This table says what the CLI user types instead — a flag or an environment
 * variable — and `cliWording` rewrites a message with it, so every hint the CLI prints is actionable.
 */

/** Library wording → CLI wording, longest phrases first. */
export const CLI_WORDING: ReadonlyArray<readonly [RegExp, string]> = [
  [/set GENESYS_ENVIRONMENT or the environment option to/g, 'set GENESYS_ENVIRONMENT to'],
  [/set GENESYS_CLIENT_ID or pass clientId/g, 'set GENESYS_CLIENT_ID'],
  [/set GENESYS_CLIENT_SECRET or pass clientSecret/g, 'set GENESYS_CLIENT_SECRET'],
  [/^environment: /, 'GENESYS_ENVIRONMENT: '],
  [/^clientId: /, 'GENESYS_CLIENT_ID: '],
  [/^clientSecret: /, 'GENESYS_CLIENT_SECRET: '],
  [/pass allowInsecure: true/g, 'pass --allow-insecure'],
  [/(?<![-\w])allowInsecure\b/g, '--allow-insecure'],
  [/raise limits\.(\w+)/g, 'raise it with --limit $1=<n>'],
  [/(?<![-\w])limits\.(\w+)/g, '--limit $1'],
  [/(?<![-\w])requestsPerMinute\b/g, '--rpm'],
  [/(?<![-\w])maxRetries\b/g, '--max-retries'],
  [/(?<![-\w])maxRetryAfterMs\b/g, '--max-retry-after'],
  [/(?<![-\w])deadlineMs\b/g, '--deadline'],
  [/(?<![-\w])timeoutMs\b/g, '--timeout'],
  [/(?<![-\w])maxResponseTokens\b/g, '--max-response-tokens'],
  [/(?<![-\w])auditLogPath\b/g, '--audit'],
  [/(?<![-\w])auditHmacKey\b/g, '--audit-hmac-key-file'],
];

/** `text` (a library message, field or fix) in the CLI's terms. */
export function cliWording(text: string): string {
  let result = text;
  for (const [pattern, replacement] of CLI_WORDING) result = result.replace(pattern, replacement);
  return result;
}
