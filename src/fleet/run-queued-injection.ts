/**
 * One queued injection through an injector, as a results-file record: the job's own idempotency
 * key, its template and examples from the queue. An injection that fails is a failed record; one cut
 * short by the signal rejects, so its job goes back to the queue.
 */
import { AbortError, GenesysPromptError } from '../errors.js';
import type { BatchRecord } from '../cli/batch/batch-journal.js';
import type { GenesysPromptInjector } from '../injector.js';
import type { QueuedInjection } from './queued-injection.js';

/**
 * Runs `injection` on `injector`.
 * @param injector the worker's injector (paced through the shared store)
 * @param injection the job
 * @param signal aborts the injection; then this rejects with `AbortError`
 */
export async function runQueuedInjection(
  injector: GenesysPromptInjector,
  injection: QueuedInjection,
  signal: AbortSignal,
): Promise<BatchRecord> {
  const base = {
    key: injection.key,
    line: injection.line,
    ...(injection.id === undefined ? {} : { id: injection.id }),
  };
  try {
    const result = await injector.injectPrompt(
      injection.assistantId,
      injection.template,
      injection.examples,
      {
        variables: injection.variables,
        idempotencyKey: injection.key,
        signal,
      },
    );
    return {
      ...base,
      status: 'ok',
      conversationId: result.conversationId,
      response: result.response,
      finishReason: result.finishReason,
      truncated: result.truncated,
      usage: result.usage,
    };
  } catch (error) {
    if (error instanceof AbortError || signal.aborted) throw error;
    const e = error instanceof Error ? error : new Error(String(error));
    const code = error instanceof GenesysPromptError ? error.code : 'internal.error';
    return { ...base, status: 'failed', error: { name: e.name, code, message: e.message } };
  }
}
