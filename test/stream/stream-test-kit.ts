/** Shared bits of the transport tests: answers to stream and ways to wait for them. */
import type { ConversationStreamHandle } from '../../src/stream/index.js';

/** A deterministic answer of `count` chunks for conversation `id`. */
export function answerChunks(id: string, count = 12): string[] {
  return Array.from({ length: count }, (_, i) => `${id}:${i + 1} `);
}

/** Collects the chunks a handle yields, and its outcome. */
export async function drain(
  handle: ConversationStreamHandle,
): Promise<{ streamed: string; outcome: Awaited<ConversationStreamHandle['result']> }> {
  let streamed = '';
  for await (const chunk of handle.chunks) streamed += chunk.content;
  return { streamed, outcome: await handle.result };
}

/** Waits until `condition` holds (polling every 5 ms, up to `timeoutMs`). */
export async function until(condition: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
