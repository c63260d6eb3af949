/**
 * Seeded fuzzing of what a server or a user hands the library: HTTP replies, socket frames and jobs
 * files. Whatever comes in, the outcome is a result or a typed error (`GenesysPromptError`), never a
 * crash, a hang or unbounded memory.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readBatchJobs } from '../../src/cli/batch/batch-jobs.js';
import { GenesysPromptError } from '../../src/errors.js';
import type { InjectionResult } from '../../src/injector-options.js';
import { parseDirectFrame, parseNotificationFrame } from '../../src/stream/frame-parser.js';
import { honestStream, type HostileConversation, type FrameSink } from './hostile-genesys.js';
import { closeAll, hostileKit, type HostileKit } from './hostile-kit.js';
import { watchRss } from './memory-watch.js';

const MAX_GROWTH_MB = 64;

/** Printable ASCII, what an HTTP header value may carry. */
const headerText = fc.string({
  unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
  maxLength: 40,
});

/** Any JSON-ish value, deep and odd (prototype keys included). */
const jsonish = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.constant(null),
    fc.boolean(),
    fc.double(),
    fc.integer(),
    fc.string({ maxLength: 30 }),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(
      fc.oneof(
        fc.string({ maxLength: 8 }),
        fc.constantFrom('__proto__', 'constructor', 'id', 'status', 'response'),
      ),
      tie('value'),
      { maxKeys: 4 },
    ),
  ),
})).value;

/** A body: JSON of anything, a near-miss of the contract, or raw text. */
const replyBody = fc.oneof(
  jsonish.map((v) => JSON.stringify(v) ?? 'null'),
  fc
    .record({
      id: fc.oneof(fc.string({ maxLength: 10 }), fc.integer()),
      assistantId: fc.string({ maxLength: 10 }),
      status: fc.constantFrom('queued', 'streaming', 'completed', 'failed', 'weird'),
      createdAt: fc.string({ maxLength: 10 }),
    })
    .map((v) => JSON.stringify(v)),
  fc.string({ maxLength: 200 }),
  fc.constant(''),
);

const reply = fc.record({
  status: fc.integer({ min: 200, max: 599 }),
  contentType: fc.constantFrom('application/json', 'text/plain', 'text/html', ''),
  retryAfter: fc.option(fc.oneof(headerText, fc.nat().map(String)), { nil: undefined }),
  body: replyBody,
});

type Reply = typeof reply extends fc.Arbitrary<infer T> ? T : never;

describe('fuzzing: HTTP replies to the create call', () => {
  let kit: HostileKit;
  let next: Reply | undefined;
  beforeAll(async () => {
    kit = await hostileKit(
      {
        http(request, res) {
          const answer = next;
          if (answer === undefined || request.method !== 'POST' || !request.path.endsWith('/conversations'))
            return false;
          res.writeHead(answer.status, {
            ...(answer.contentType === '' ? {} : { 'content-type': answer.contentType }),
            ...(answer.retryAfter === undefined ? {} : { 'retry-after': answer.retryAfter }),
          });
          res.end(answer.body);
          return true;
        },
      },
      {
        maxRetries: 1,
        maxRetryAfterMs: 20,
        retryDelays: { baseDelayMs: 1, maxDelayMs: 5 },
        // A 2xx naming a conversation the server never streams ends at the deadline.
        deadlineMs: 400,
      },
    );
  });
  afterAll(closeAll);

  it('ends every injection with a result or a typed error', async () => {
    await kit.warmUp();
    const rss = watchRss();
    await fc.assert(
      fc.asyncProperty(reply, async (answer) => {
        next = answer;
        const outcome = await kit.inject('fuzz');
        if (outcome instanceof Error) {
          expect(outcome).toBeInstanceOf(GenesysPromptError);
        } else {
          expect(answer.status).toBeLessThan(300);
          expect(typeof (outcome as InjectionResult).response).toBe('string');
        }
      }),
      { seed: 20_260_301, numRuns: 80 },
    );
    next = undefined;
    expect(rss.stop()).toBeLessThan(MAX_GROWTH_MB);
  }, 60_000);
});

/** One frame as a hostile server may send it: raw text, any JSON, or an event with odd fields. */
function frameFor(conversationId: string): fc.Arbitrary<{ wrap: boolean; data: string }> {
  const event = fc.record({
    type: fc.constantFrom('aiResponseChunk', 'aiResponseComplete', 'aiResponseError', 'subscribed', 'other'),
    data: fc.record({
      conversationId: fc.oneof(fc.constant(conversationId), fc.string({ maxLength: 8 })),
      sequence: fc.oneof(fc.integer({ min: -3, max: 12 }), fc.double(), fc.constant(Number.MAX_SAFE_INTEGER)),
      content: fc.oneof(fc.string({ maxLength: 20 }), fc.integer()),
      finishReason: fc.constantFrom('stop', 'length', 'safety', 'nope'),
      usage: fc.record({ promptTokens: fc.nat(), completionTokens: fc.nat() }),
      safetyPolicyTriggered: fc.boolean(),
      code: fc.string({ maxLength: 8 }),
      message: fc.string({ maxLength: 20 }),
    }),
  });
  return fc.oneof(
    fc.record({ wrap: fc.constant(false), data: fc.string({ maxLength: 60 }) }),
    fc.record({ wrap: fc.constant(false), data: jsonish.map((v) => JSON.stringify(v) ?? 'null') }),
    fc.record({ wrap: fc.boolean(), data: event.map((e) => JSON.stringify(e)) }),
  );
}

describe('fuzzing: socket frames', () => {
  it('the frame parsers never throw, whatever the bytes', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b)),
        ),
        (raw) => {
          const direct = parseDirectFrame(raw);
          const notification = parseNotificationFrame(raw);
          expect(['event', 'subscribed', 'malformed']).toContain(direct.kind);
          expect(['event', 'heartbeat', 'pong', 'socket-closing', 'other', 'malformed']).toContain(
            notification.kind,
          );
        },
      ),
      { seed: 7, numRuns: 2_000 },
    );
  });

  afterEach(closeAll);

  it.each(['notifications', 'direct'] as const)(
    'over the %s transport, fuzzed frames before the honest answer end in a result or a typed error',
    async (transport) => {
      let frames: Array<{ wrap: boolean; data: string }> = [];
      const kit = await hostileKit(
        {
          async stream(conversation: HostileConversation, sink: FrameSink) {
            for (const frame of frames) {
              if (!frame.wrap) sink.raw(frame.data);
              else
                sink.raw(
                  JSON.stringify({
                    topicName: `v2.conversations.${conversation.id}.aiassistant.responses`,
                    eventBody: JSON.parse(frame.data) as unknown,
                  }),
                );
            }
            await honestStream(conversation, sink);
          },
        },
        {
          transport,
          deadlineMs: 5_000,
          streamTuning: {
            idleReadMs: 20,
            subscribeCoalesceMs: 1,
            heartbeatIntervalMs: 200,
            pingIntervalMs: 200,
            backoff: { baseMs: 2, maxMs: 10 },
          },
        },
      );
      await kit.warmUp();
      const rss = watchRss();
      await fc.assert(
        fc.asyncProperty(fc.array(frameFor(`conv-x`), { maxLength: 12 }), async (generated) => {
          const id = `conv-${kit.server.conversations.size + 1}`;
          frames = generated.map((f) => ({ ...f, data: f.data.replaceAll('conv-x', id) }));
          const outcome = await kit.inject('fuzz');
          if (outcome instanceof Error) expect(outcome).toBeInstanceOf(GenesysPromptError);
          else expect(typeof (outcome as InjectionResult).response).toBe('string');
        }),
        { seed: 42, numRuns: 40 },
      );
      expect(rss.stop()).toBeLessThan(MAX_GROWTH_MB);
    },
    60_000,
  );
});

/** One line of a jobs file: a job-like object, anything JSON, or text. */
const jobLine = fc.oneof(
  fc
    .record(
      {
        template: fc.oneof(fc.string({ maxLength: 12 }), fc.integer()),
        variables: fc.oneof(
          fc.dictionary(fc.string({ maxLength: 6 }), fc.string({ maxLength: 6 }), { maxKeys: 3 }),
          jsonish,
        ),
        assistant: fc.string({ maxLength: 8 }),
        examples: fc.string({ maxLength: 8 }),
        id: fc.oneof(fc.string({ maxLength: 6 }), fc.constantFrom('__proto__', 'constructor')),
        extra: jsonish,
      },
      { requiredKeys: [] },
    )
    .map((v) => JSON.stringify(v)),
  jsonish.map((v) => JSON.stringify(v) ?? 'null'),
  fc.string({ maxLength: 40 }),
  fc.constantFrom('', '# comment', '   ', '['.repeat(5_000), '{"__proto__": {"template": "x"}}'),
);

describe('fuzzing: jobs files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gpi-fuzz-jobs-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads every file to jobs or a typed error naming the line', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(jobLine, { maxLength: 8 }), async (lines) => {
        const path = join(dir, `jobs-${(run += 1)}.jsonl`);
        writeFileSync(path, lines.join('\n'));
        try {
          const jobs = await readBatchJobs(path);
          for (const job of jobs) {
            expect(typeof job.templatePath).toBe('string');
            expect(job.line).toBeGreaterThan(0);
          }
        } catch (error) {
          expect(error).toBeInstanceOf(GenesysPromptError);
          expect((error as Error).message).toMatch(/line \d+/);
        }
      }),
      { seed: 99, numRuns: 300 },
    );
  });
});
