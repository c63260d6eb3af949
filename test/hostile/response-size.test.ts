import { afterEach, describe, expect, it } from 'vitest';
import { LimitExceededError } from '../../src/errors.js';
import type { InjectionResult } from '../../src/injector-options.js';
import { streamHugeBody } from './hostile-genesys.js';
import { closeAll, hostileKit } from './hostile-kit.js';
import { watchRss } from './memory-watch.js';

afterEach(closeAll);

const MAX_GROWTH_MB = 64;

function expectExact(result: InjectionResult | Error, text: (id: string) => string): void {
  expect(result).not.toBeInstanceOf(Error);
  const done = result as InjectionResult;
  expect(done.response).toBe(text(done.conversationId));
}

describe('hostile server: REST bodies are bounded (limits.maxResponseBodyBytes)', () => {
  it('an endless create answer fails that injection with LimitExceededError; the others finish', async () => {
    const kit = await hostileKit({
      http(request, res) {
        if (request.method !== 'POST' || !request.body.includes('endless')) return false;
        streamHugeBody(res, 201);
        return true;
      },
    });
    await kit.warmUp();
    const rss = watchRss();
    const [hostile, honest] = await Promise.all([kit.inject('endless'), kit.inject('hello')]);
    const grewMb = rss.stop();
    expect(hostile).toBeInstanceOf(LimitExceededError);
    expect(hostile).toMatchObject({ option: 'limits.maxResponseBodyBytes', limit: 32 * 1024 * 1024 });
    expectExact(honest, kit.server.textOf);
    expect(grewMb).toBeLessThan(MAX_GROWTH_MB);
    // The refused body is not retried.
    expect(kit.server.requests.filter((r) => r.body.includes('endless'))).toHaveLength(1);
  });

  it('a declared 600 MB body is refused before it is read', async () => {
    const kit = await hostileKit({
      http(request, res) {
        if (request.method !== 'POST' || !request.body.includes('declared')) return false;
        res.writeHead(201, {
          'content-type': 'application/json',
          'content-length': String(600 * 1024 * 1024),
        });
        res.write('{"id":"');
        return true;
      },
    });
    await kit.warmUp();
    const rss = watchRss();
    const result = await kit.inject('declared');
    expect(rss.stop()).toBeLessThan(MAX_GROWTH_MB);
    expect(result).toBeInstanceOf(LimitExceededError);
    expect((result as Error).message).toContain('limits.maxResponseBodyBytes');
  });
});
