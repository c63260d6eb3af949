/**
 * From the caller's template, examples and options to the backend's view of one injection: the
 * prompt prepared (nothing is sent when it is invalid), its payload handed over once.
 */
import { randomUUID } from 'node:crypto';
import type { InjectionSignal } from './injection-signal.js';
import type { InjectOptions } from './injector-options.js';
import type { FewShotExample } from './prompt/few-shot.js';
import { preparePrompt, type PreparedPrompt } from './prompt/prepare-prompt.js';
import type { PromptTemplate } from './prompt/template.js';
import { tokenCounter, type TokenizerName } from './prompt/tokens.js';
import type { ResponseRequest } from './stream/response-backend.js';

/** One injection as the caller asked for it. */
export interface InjectionAsk {
  assistantId: string;
  template: PromptTemplate;
  examples: readonly FewShotExample[];
  options: InjectOptions;
  /** Yield chunks (`streamPrompt`) rather than only the result. */
  wantChunks: boolean;
}

/**
 * Prepares the prompt and builds the backend's request. Only the request holds the payload, so once
 * the backend takes it the prompt text can be collected while the answer runs.
 * @param ask what the caller asked for
 * @param tokenizer counts the prompt (and the answer, under a budget)
 * @param sig the injection's signal and deadline
 * @param onPrepared sees the prepared prompt before the payload is handed over (hash, span)
 * @throws ValidationError (and its subclasses) for a template or input that cannot be sent
 */
export function prepareRequest(
  ask: InjectionAsk,
  tokenizer: TokenizerName,
  sig: Pick<InjectionSignal, 'signal' | 'deadlineAt'>,
  onPrepared: (prepared: PreparedPrompt) => void,
): ResponseRequest<InjectOptions> {
  const { options } = ask;
  const prepared = preparePrompt(ask.template, ask.assistantId, ask.examples, {
    ...(options.variables === undefined ? {} : { variables: options.variables }),
    ...(options.history === undefined ? {} : { history: options.history }),
    missing: options.allowMissingVariables ? 'placeholder' : 'error',
    tokenizer,
  });
  onPrepared(prepared);
  let payload: PreparedPrompt['payload'] | undefined = prepared.payload;
  return {
    targetId: ask.assistantId,
    template: ask.template,
    options,
    idempotencyKey: options.idempotencyKey ?? randomUUID(),
    promptTokens: prepared.promptTokens,
    takePayload: () => {
      if (payload === undefined) throw new Error('the payload was already taken');
      const taken = payload;
      payload = undefined;
      return taken;
    },
    signal: sig.signal,
    deadlineAt: sig.deadlineAt,
    collectChunks: ask.wantChunks,
    // Counting every chunk costs CPU; only a budget needs it.
    ...(options.maxResponseTokens === undefined
      ? {}
      : { budgetTokens: options.maxResponseTokens, countTokens: tokenCounter(tokenizer) }),
  };
}
