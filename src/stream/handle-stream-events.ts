/**
 * The original design's `handleStreamEvents`, fixed: a malformed frame is skipped and counted, the budget
 * cut-off marks the outcome truncated, and the socket is closed on every path (complete, error event,
 * budget, abort, socket error or close).
 */
import type WebSocket from 'ws';
import type { Conversation } from '../contract/conversation.js';
import { ConnectionError, StreamError } from '../errors.js';
import { ConversationStream } from './conversation-stream.js';
import { parseDirectFrame, type RawFrame } from './frame-parser.js';
import { heuristicTokenCount, type TokenCounter } from '../prompt/token-counter.js';
import { closeSocket } from './socket-close.js';
import type { StreamOutcome } from './stream-outcome.js';

/** Options of `handleStreamEvents`. */
export interface HandleStreamEventsOptions {
  /** Token counter per chunk (default: the original design's chars x 0.25, rounded up). */
  countTokens?: TokenCounter;
  /** Aborting closes the socket and rejects with `AbortError`. */
  signal?: AbortSignal;
  /** Only this conversation's events count (default: every event on the socket). */
  conversationId?: string;
  /** Reads the conversation to fill gaps; without it a gap at completion rejects with `StreamError`. */
  readConversation?: (signal: AbortSignal) => Promise<Conversation>;
  /** Called with each piece of text as it is applied. */
  onChunk?: (content: string, sequence: number) => void;
}

/**
 * Accumulates one conversation's answer from a direct socket (see `connectToAiStream`).
 * Unlike the original design (which resolved a bare string), it resolves a `StreamOutcome`: `text`,
 * `finishReason` (`budget` when cut), `truncated`, `usage`, `malformedFrames`, `duplicates` and timings.
 * @param ws the socket, open or opening; it is closed when this settles
 * @param budget stop once the answer reaches this many tokens (`Infinity` for none)
 * @param options counter, abort signal, conversation filter, gap recovery
 * @throws StreamError on an `aiResponseError` event (its code) or a socket closed mid-answer
 */
export function handleStreamEvents(
  ws: WebSocket,
  budget: number,
  options: HandleStreamEventsOptions = {},
): Promise<StreamOutcome> {
  const wanted = options.conversationId;
  const stream = new ConversationStream(
    wanted ?? 'unknown',
    {
      budgetTokens: budget,
      countTokens: options.countTokens ?? heuristicTokenCount,
      signal: options.signal,
      collectChunks: options.onChunk !== undefined,
    },
    { readConversation: options.readConversation, onSettled: () => void closeSocket(ws) },
  );
  ws.on('message', (data: RawFrame) => {
    const frame = parseDirectFrame(data);
    if (frame.kind === 'malformed') stream.noteMalformed();
    else if (frame.kind === 'subscribed') {
      if (wanted === undefined || frame.conversationId === wanted) stream.markActive();
    } else if (wanted === undefined || frame.event.data.conversationId === wanted) {
      stream.handleEvent(frame.event);
    }
  });
  ws.on('error', (error) =>
    stream.fail(new ConnectionError(`the stream socket failed: ${error.message}`, { cause: error })),
  );
  ws.on('close', (code) => {
    stream.fail(
      new StreamError(`the stream socket closed (code ${code}) before the answer completed`, {
        code: 'stream.interrupted',
        conversationId: wanted,
      }),
    );
  });
  if (options.onChunk !== undefined) void forwardChunks(stream, options.onChunk);
  return stream.result;
}

async function forwardChunks(
  stream: ConversationStream,
  onChunk: (content: string, sequence: number) => void,
): Promise<void> {
  try {
    for await (const chunk of stream.chunks) onChunk(chunk.content, chunk.sequence);
  } catch {
    // The same error rejects `result`, which the caller awaits.
  }
}
