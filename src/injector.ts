/**
 * GenesysPromptInjector: composes the prompt pipeline, OAuth, REST, streaming, audit and telemetry.
 * (Skeleton: the lead fills in the composition once the parts land.)
 */
import type { InjectOptions, InjectionResult, InjectorOptions, StreamItem } from './injector-options.js';

/** Placeholder until src/prompt lands. */
type PromptTemplate = import('./prompt/template.js').PromptTemplate;
type FewShotExample = import('./prompt/few-shot.js').FewShotExample;

export class GenesysPromptInjector {
  constructor(environment: string, clientId: string, clientSecret: string);
  constructor(options?: InjectorOptions);
  constructor(_a?: string | InjectorOptions, _b?: string, _c?: string) {}
  /** Logs in (and checks the configuration). */
  async initialize(): Promise<void> {
    throw new Error('not implemented yet');
  }
  /** Sends one prompt and resolves with the whole answer. */
  async injectPrompt(
    _assistantId: string,
    _template: PromptTemplate,
    _fewShotExamples: FewShotExample[] = [],
    _options: InjectOptions = {},
  ): Promise<InjectionResult> {
    throw new Error('not implemented yet');
  }
  /** Sends one prompt and yields the answer's chunks as they arrive, then one result. */
  // eslint-disable-next-line require-yield
  async *streamPrompt(
    _assistantId: string,
    _template: PromptTemplate,
    _fewShotExamples: FewShotExample[] = [],
    _options: InjectOptions = {},
  ): AsyncGenerator<StreamItem, void, undefined> {
    throw new Error('not implemented yet');
  }
  /** Releases every socket and timer. */
  async close(): Promise<void> {}
}
