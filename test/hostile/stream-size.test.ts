import { afterEach, describe, expect, it } from 'vitest';
import { LimitExceededError } from '../../src/errors.js';
import type { InjectionResult, StreamTransport } from '../../src/injector-options.js';
import type { Logger } from '../../src/logger.js';
import { honestStream, type FrameSink, type HostileConversation } from './hostile-genesys.js';
import { closeAll, hostileKit } from './hostile-kit.js';
import { watchRss } from './memory-watch.js';

afterEach(closeAll);

const MAX_GROWTH_MB = 64;
const TRANSPORTS: StreamTransport[] = ['notifications', 'direct'];

/** A logger that keeps every record. */
function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const keep = (obj: object, msg?: string): void => void lines.push(`${msg ?? ''} ${JSON.stringify(obj)}`);
  return { lines, debug: keep, info: keep, warn: keep, error: keep };
}

/** A WebSocket frame header (server to client, unmasked text) claiming `length` bytes of payload. */
function frameHeader(length: number): Buffer {
  const header = Buffer.alloc(10);
  header[0] = 0x81;
  header[1] = 127;
  header.writeBigUInt64BE(BigInt(length), 2);
  return header;
}

/** Streams the hostile part for prompts containing `marker`, the honest answer for the rest. */
function hostileFor(
  marker: string,
  hostile: (conversation: HostileConversation, sink: FrameSink) => Promise<void>,
): { stream(conversation: HostileConversation, sink: FrameSink): Promise<void> } {
  return {
    stream: (conversation, sink) =>
      conversation.prompt.includes(marker) ? hostile(conversation, sink) : honestStream(conversation, sink),
  };
}

const tick = (ms = 2): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe.each(TRANSPORTS)('hostile server over the %s transport: stream sizes are bounded', (transport) => {
  it('a 90 MB frame is refused unread (limits.maxFrameBytes); both injections on the socket still end exactly', async () => {
    const logger = recordingLogger();
    const kit = await hostileKit(
      hostileFor('huge frame', async (conversation, sink) => {
        await tick(5);
        sink.rawBytes(frameHeader(90 * 1024 * 1024));
        await honestStream(conversation, sink);
      }),
      { transport, logger },
    );
    await kit.warmUp();
    const rss = watchRss();
    const results = await Promise.all([kit.inject('huge frame'), kit.inject('hello')]);
    expect(rss.stop()).toBeLessThan(MAX_GROWTH_MB);
    for (const result of results) {
      expect(result).not.toBeInstanceOf(Error);
      const done = result as InjectionResult;
      expect(done.response).toBe(kit.server.textOf(done.conversationId));
    }
    expect(logger.lines.join('\n')).toContain('limits.maxFrameBytes (1048576 bytes)');
  });

  it('an answer past limits.maxAnswerChars fails that injection only', async () => {
    const piece = 'x'.repeat(256 * 1024);
    const kit = await hostileKit(
      hostileFor('endless answer', async (conversation, sink) => {
        for (let sequence = 1; sink.open && sequence <= 40; sequence += 1) {
          sink.event({
            type: 'aiResponseChunk',
            data: { conversationId: conversation.id, sequence, content: piece },
          });
          await tick(1);
        }
      }),
      { transport },
    );
    await kit.warmUp();
    const rss = watchRss();
    const [hostile, honest] = await Promise.all([kit.inject('endless answer'), kit.inject('hello')]);
    expect(rss.stop()).toBeLessThan(MAX_GROWTH_MB);
    expect(hostile).toBeInstanceOf(LimitExceededError);
    expect(hostile).toMatchObject({ option: 'limits.maxAnswerChars', limit: 8 * 1024 * 1024 });
    expect((honest as InjectionResult).response).toBe(
      kit.server.textOf((honest as InjectionResult).conversationId),
    );
  });

  it('chunks after a gap that is never filled stop at limits.maxPendingChunks', async () => {
    const kit = await hostileKit(
      hostileFor('gap', async (conversation, sink) => {
        // Sequence 1 never comes, and reads keep saying nothing was sent.
        for (let sequence = 2; sink.open && sequence <= 5000; sequence += 1) {
          sink.event({
            type: 'aiResponseChunk',
            data: { conversationId: conversation.id, sequence, content: 'y' },
          });
          if (sequence % 200 === 0) await tick(1);
        }
      }),
      { transport },
    );
    await kit.warmUp();
    const rss = watchRss();
    const [hostile, honest] = await Promise.all([kit.inject('gap'), kit.inject('hello')]);
    expect(rss.stop()).toBeLessThan(MAX_GROWTH_MB);
    expect(hostile).toBeInstanceOf(LimitExceededError);
    expect(hostile).toMatchObject({ option: 'limits.maxPendingChunks', limit: 1000 });
    expect((honest as InjectionResult).response).toBe(
      kit.server.textOf((honest as InjectionResult).conversationId),
    );
  });
});
