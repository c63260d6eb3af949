/**
 * The prompt pipeline of bench/pipeline.ts written with LangChain.js (`@langchain/core`), doing the
 * same work as our `preparePrompt` with the same tokenizer (gpt-tokenizer o200k `countTokens`):
 * mustache `PromptTemplate`s for the system instruction and user message, a custom
 * `BaseExampleSelector` ranking the examples by BM25 (our `bm25Scores`, so both sides rank alike)
 * and adding them while the formatted block fits the token budget, a `ChatPromptTemplate` with a
 * `MessagesPlaceholder` for the history, `trimMessages` (strategy `last`, system kept) for the
 * budget, and the seed's payload shape.
 */
import { BaseExampleSelector } from '@langchain/core/example_selectors';
import { AIMessage, HumanMessage, trimMessages, type BaseMessage } from '@langchain/core/messages';
import {
  ChatPromptTemplate,
  MessagesPlaceholder,
  PromptTemplate,
  type Example,
} from '@langchain/core/prompts';
import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';
import type { ConversationCreateRequest, MessageRole, PromptMessage } from '../src/contract/conversation.js';
import { bm25Scores } from '../src/prompt/bm25.js';
import type { FewShotExample } from '../src/prompt/few-shot.js';
import type { PromptTemplate as OurTemplate } from '../src/prompt/template.js';

/** How `trimMessages` counts: a plain counter, or one memoised per message text for one call. */
export type LangChainCounting = 'plain' | 'memoized';

/** What one LangChain run produced. */
export interface LangChainPrepared {
  payload: ConversationCreateRequest;
  examples: FewShotExample[];
}

const HEADER = '\n\nReference Examples:\n';
const SEPARATOR = '\n\n---\n\n';

/** Tokens of a message list: the sum of each content's o200k count (our `countMessageTokens`). */
function plainCounter(messages: BaseMessage[]): number {
  let total = 0;
  for (const message of messages) total += countTokens(message.text);
  return total;
}

/** The same sum with each distinct text counted once per pipeline call. */
function memoizedCounter(): (messages: BaseMessage[]) => number {
  const cache = new Map<string, number>();
  return (messages) => {
    let total = 0;
    for (const message of messages) {
      const text = message.text;
      let tokens = cache.get(text);
      if (tokens === undefined) {
        tokens = countTokens(text);
        cache.set(text, tokens);
      }
      total += tokens;
    }
    return total;
  };
}

/**
 * Selects up to `k` examples by BM25 of their `input` against `query`, ties in original order, adding
 * them while the formatted few-shot block (header and separators included) stays within `budgetTokens`.
 * Input variables: `query`, `budgetTokens` (a number as text, as LangChain's `Example` is text only).
 */
export class Bm25ExampleSelector extends BaseExampleSelector {
  readonly #examples: Example[] = [];
  readonly #inputs: string[] = [];
  readonly #k: number;
  readonly #examplePrompt: PromptTemplate;

  /**
   * @param examples candidates
   * @param k how many at most
   * @param examplePrompt how one example is written
   */
  constructor(examples: readonly Example[], k: number, examplePrompt: PromptTemplate) {
    super();
    this.#k = k;
    this.#examplePrompt = examplePrompt;
    for (const example of examples) this.#push(example);
  }

  /** Adds a candidate. */
  async addExample(example: Example): Promise<void> {
    this.#push(example);
  }

  /** Chooses the examples for `{query, budgetTokens}`. */
  async selectExamples(inputVariables: Example): Promise<Example[]> {
    const scores = bm25Scores(this.#inputs, inputVariables.query ?? '');
    const ranked = this.#examples
      .map((example, index) => ({ example, index, score: scores[index] ?? 0 }))
      .sort((a, b) => b.score - a.score || a.index - b.index)
      .slice(0, this.#k);
    const budget = Number(inputVariables.budgetTokens ?? Infinity);
    const chosen: Example[] = [];
    const written: string[] = [];
    for (const { example } of ranked) {
      const text = await this.#examplePrompt.format(example);
      if (countTokens(HEADER + [...written, text].join(SEPARATOR)) > budget) break;
      chosen.push(example);
      written.push(text);
    }
    return chosen;
  }

  #push(example: Example): void {
    this.#examples.push(example);
    this.#inputs.push(example.input ?? '');
  }
}

const ROLES: Record<string, MessageRole> = { system: 'system', human: 'user', ai: 'assistant' };

/** The LangChain pipeline for one template, built once; `prepare` runs one iteration. */
export class LangChainPipeline {
  readonly #template: OurTemplate;
  readonly #system: PromptTemplate;
  readonly #user: PromptTemplate;
  readonly #examplePrompt: PromptTemplate;
  readonly #selector: Bm25ExampleSelector;
  readonly #chat: ChatPromptTemplate;
  readonly #history: BaseMessage[];
  readonly #counting: LangChainCounting;

  /**
   * @param template our template (its texts and settings)
   * @param examples the candidates
   * @param history earlier turns, oldest first
   * @param counting how `trimMessages` counts tokens
   */
  constructor(
    template: OurTemplate,
    examples: readonly FewShotExample[],
    history: readonly PromptMessage[],
    counting: LangChainCounting,
  ) {
    this.#template = template;
    this.#counting = counting;
    const mustache = { templateFormat: 'mustache' as const };
    this.#system = PromptTemplate.fromTemplate(template.systemInstruction, mustache);
    this.#user = PromptTemplate.fromTemplate(template.userTemplate, mustache);
    this.#examplePrompt = PromptTemplate.fromTemplate(
      'Example Input: {{input}}\nExample Output: {{output}}',
      mustache,
    );
    const candidates = examples.filter(
      (e) => template.fewShot?.category === undefined || e.category === template.fewShot.category,
    );
    this.#selector = new Bm25ExampleSelector(
      candidates.map((e) => ({ ...e })),
      template.fewShot?.count ?? 2,
      this.#examplePrompt,
    );
    this.#chat = ChatPromptTemplate.fromMessages(
      [['system', '{{system}}'], new MessagesPlaceholder('history'), ['human', '{{user}}']],
      mustache,
    );
    this.#history = history.map((m) =>
      m.role === 'assistant' ? new AIMessage(m.content) : new HumanMessage(m.content),
    );
  }

  /**
   * One iteration: render, select and inject examples, trim to the budget, size `maxTokens`.
   * @param assistantId the assistant of the payload
   * @param variables values over the template's own
   */
  async prepare(assistantId: string, variables: Record<string, string>): Promise<LangChainPrepared> {
    const template = this.#template;
    const values = { ...template.variables, ...variables };
    const system = await this.#system.format(values);
    const user = await this.#user.format(values);
    const limit = template.contextWindowLimit;
    const maxOutput = template.maxOutputTokens ?? 2048;
    const promptBudget = limit - Math.min(maxOutput, Math.floor(limit / 2));
    const userTokens = countTokens(user);

    let examples = await this.#selector.selectExamples({
      query: user,
      budgetTokens: String(promptBudget - countTokens(system) - userTokens),
    });
    const inject = async (chosen: Example[]): Promise<string> =>
      chosen.length === 0
        ? system
        : `${system}${HEADER}${(await Promise.all(chosen.map((e) => this.#examplePrompt.format(e)))).join(SEPARATOR)}`;
    let systemWithExamples = await inject(examples);
    // As preparePrompt does: BPE is not additive across the join, so re-check the real text.
    while (examples.length > 0 && countTokens(systemWithExamples) + userTokens > promptBudget) {
      examples = examples.slice(0, -1);
      systemWithExamples = await inject(examples);
    }

    const messages = await this.#chat.formatMessages({
      system: systemWithExamples,
      history: this.#history,
      user,
    });
    const tokenCounter = this.#counting === 'plain' ? plainCounter : memoizedCounter();
    const kept = await trimMessages(messages, {
      maxTokens: promptBudget,
      strategy: 'last',
      includeSystem: true,
      tokenCounter,
    });
    const promptTokens = tokenCounter(kept);
    const payload: ConversationCreateRequest = {
      assistantId,
      messages: kept.map((m) => ({ role: ROLES[m.getType()] ?? 'user', content: m.text })),
      settings: {
        maxTokens: Math.min(maxOutput, limit - promptTokens),
        temperature: template.settings?.temperature ?? 0.2,
        safetyPolicy: template.settings?.safetyPolicy ?? 'strict',
      },
    };
    return {
      payload,
      examples: examples.map((e) => ({
        input: e.input ?? '',
        output: e.output ?? '',
        category: e.category ?? '',
      })),
    };
  }
}
