import type { ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { exitCodeFor, ExitCode } from '../../src/cli/exit-codes.js';
import { SEED_ASSISTANT_ID } from '../../src/contract/index.js';
import { RateLimitError } from '../../src/errors.js';
import type { InjectionResult } from '../../src/injector-options.js';
import type { HostileRequest } from './hostile-genesys.js';
import { PROMPT_TEMPLATE, closeAll, hostileKit } from './hostile-kit.js';

afterEach(closeAll);

/** A script answering every create whose prompt contains `marker` with a 429 and `retryAfter`. */
function tooManyRequests(marker: string, retryAfter: () => string) {
  return {
    http(request: HostileRequest, res: ServerResponse): boolean {
      if (request.method !== 'POST' || !request.body.includes(marker)) return false;
      const body = JSON.stringify({
        message: 'Rate limit exceeded',
        code: 'too.many.requests.retry.after',
        status: 429,
        details: [],
        errors: [],
      });
      res.writeHead(429, { 'content-type': 'application/json', 'retry-after': retryAfter() });
      res.end(body);
      return true;
    },
  };
}

describe('hostile server: Retry-After is bounded (maxRetryAfterMs, the deadline)', () => {
  it('Retry-After: 999999 fails at once with RateLimitError (CLI exit 4), not a TimeoutError', async () => {
    const kit = await hostileKit(
      tooManyRequests('slow down', () => '999999'),
      { deadlineMs: 60_000 },
    );
    const failure = await kit.inject('slow down');
    expect(failure).toBeInstanceOf(RateLimitError);
    expect(failure).toMatchObject({ retryAfterMs: 999_999_000 });
    expect((failure as Error).message).toContain('maxRetryAfterMs');
    expect(exitCodeFor(failure)).toBe(ExitCode.rateLimited);
    expect(kit.server.requests.filter((r) => r.body.includes('slow down'))).toHaveLength(1);
  });

  it('another injector of the same client is held no longer than the cap', async () => {
    const options = { maxRetryAfterMs: 300, deadlineMs: 20_000, requestsPerMinute: 6000 };
    const kit = await hostileKit(
      tooManyRequests('slow down', () => '999999'),
      options,
    );
    // Injectors share one pacer when they name the same environment and client.
    const failure = await kit.inject('slow down');
    expect(failure).toBeInstanceOf(RateLimitError);
    const sameClient = await hostileKit({}, { ...options, environment: kit.server.baseUrl });
    // Without the cap it would wait out 11.6 days and end in a TimeoutError at its deadline.
    const result = await sameClient.inject('hello');
    expect(result).not.toBeInstanceOf(Error);
    expect((result as InjectionResult).response).toBe(
      kit.server.textOf((result as InjectionResult).conversationId),
    );
  });

  it("a pause of the client that outlasts another injection's deadline fails that one at once too", async () => {
    const kit = await hostileKit(
      tooManyRequests('slow down', () => '30'),
      { deadlineMs: 2_000 },
    );
    expect(await kit.inject('slow down')).toBeInstanceOf(RateLimitError);
    const sameClient = await hostileKit({}, { deadlineMs: 2_000, environment: kit.server.baseUrl });
    const failure = await sameClient.inject('hello');
    expect(failure).toBeInstanceOf(RateLimitError);
    expect((failure as RateLimitError).retryAfterMs).toBeGreaterThan(25_000);
    expect((failure as Error).message).toContain('past the deadline');
    // Nothing was sent for it.
    expect(kit.server.requests.filter((r) => r.body.includes('hello'))).toHaveLength(0);
  });

  it('a conversation read answered 429 past the deadline fails at once too (stream: false)', async () => {
    const kit = await hostileKit(
      {
        http(request, res) {
          if (request.method !== 'GET' || !request.path.includes('/conversations/')) return false;
          res.writeHead(429, { 'retry-after': '5' });
          res.end();
          return true;
        },
      },
      { deadlineMs: 2_000 },
    );
    const failure = await kit.injector
      .injectPrompt(SEED_ASSISTANT_ID, PROMPT_TEMPLATE, [], { variables: { prompt: 'poll' }, stream: false })
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(RateLimitError);
    expect((failure as Error).message).toContain('past the deadline');
  });

  it('Retry-After: 99999999 overflows no timer', async () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error): void => void warnings.push(warning.name);
    process.on('warning', onWarning);
    try {
      const kit = await hostileKit(
        tooManyRequests('overflow', () => '99999999'),
        {
          maxRetryAfterMs: 2_147_483_647,
          deadlineMs: 10_000,
        },
      );
      const failure = await kit.inject('overflow');
      expect(failure).toBeInstanceOf(RateLimitError);
      expect((failure as Error).message).toContain('longer than maxRetryAfterMs');
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(warnings).not.toContain('TimeoutOverflowWarning');
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('an HTTP-date Retry-After is honoured: a date a day away fails at once with its value', async () => {
    const kit = await hostileKit(
      tooManyRequests('tomorrow', () => new Date(Date.now() + 86_400_000).toUTCString()),
    );
    const failure = await kit.inject('tomorrow');
    expect(failure).toBeInstanceOf(RateLimitError);
    expect((failure as RateLimitError).retryAfterMs).toBeGreaterThan(86_000_000);
  });

  it('an HTTP-date Retry-After already past is no wait: the request is retried and succeeds', async () => {
    let refusals = 0;
    const kit = await hostileKit({
      http(request, res) {
        if (request.method !== 'POST' || !request.body.includes('once') || refusals > 0) return false;
        refusals += 1;
        res.writeHead(429, { 'retry-after': new Date(Date.now() - 1000).toUTCString() });
        res.end();
        return true;
      },
    });
    const result = await kit.inject('once');
    expect(result).not.toBeInstanceOf(Error);
    expect((result as InjectionResult).retries).toBe(1);
  });

  it('a Retry-After under the cap but past the deadline fails at once', async () => {
    const kit = await hostileKit(
      tooManyRequests('later', () => '5'),
      { deadlineMs: 2_000 },
    );
    const failure = await kit.inject('later');
    expect(failure).toBeInstanceOf(RateLimitError);
    expect(failure).toMatchObject({ retryAfterMs: 5_000 });
    expect((failure as Error).message).toContain('past the deadline');
  });
});
