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
import type { TokenCounter } from './stream/response-accumulator.js';
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
 * @param record sees the prepared prompt before the payload is handed over (hash, span)
 * @throws ValidationError (and its subclasses) for a template or input that cannot be sent
 */
export function prepareRequest(
  ask: InjectionAsk,
  tokenizer: TokenizerName,
  sig: InjectionSignal,
  record: { prepared(prepared: PreparedPrompt): unknown },
): ResponseRequest<InjectOptions> {
  const { options } = ask;
  const prepared = preparePrompt(ask.template, ask.assistantId, ask.examples, {
    ...(options.variables === undefined ? {} : { variables: options.variables }),
    ...(options.history === undefined ? {} : { history: options.history }),
    missing: options.allowMissingVariables ? 'placeholder' : 'error',
    tokenizer,
  });
  record.prepared(prepared);
  return new InjectionRequest(ask, prepared, sig, tokenizer);
}

/** The backend's view of one injection: a class, so a thousand open answers share one shape. */
class InjectionRequest implements ResponseRequest<InjectOptions> {
  readonly targetId: string;
  readonly template: PromptTemplate;
  readonly options: InjectOptions;
  readonly idempotencyKey: string;
  readonly promptTokens: number;
  readonly abort: InjectionSignal;
  readonly deadlineAt: number;
  readonly collectChunks: boolean;
  readonly budgetTokens: number | undefined;
  readonly countTokens: TokenCounter | undefined;
  #payload: PreparedPrompt['payload'] | undefined;

  constructor(ask: InjectionAsk, prepared: PreparedPrompt, sig: InjectionSignal, tokenizer: TokenizerName) {
    const { options } = ask;
    this.targetId = ask.assistantId;
    this.template = ask.template;
    this.options = options;
    this.idempotencyKey = options.idempotencyKey ?? randomUUID();
    this.promptTokens = prepared.promptTokens;
    this.#payload = prepared.payload;
    this.abort = sig;
    this.deadlineAt = sig.deadlineAt;
    this.collectChunks = ask.wantChunks;
    // Counting every chunk costs CPU; only a budget needs it.
    this.budgetTokens = options.maxResponseTokens;
    this.countTokens = options.maxResponseTokens === undefined ? undefined : tokenCounter(tokenizer);
  }

  /** Built only when a backend reads it; the built-in ones listen on `abort`. */
  get signal(): AbortSignal {
    return this.abort.signal;
  }

  takePayload(): PreparedPrompt['payload'] {
    const taken = this.#payload;
    if (taken === undefined) throw new Error('the payload was already taken');
    this.#payload = undefined;
    return taken;
  }
}
