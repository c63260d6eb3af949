/**
 * The seed's prompt helpers (Steps 1, 2 and 4 of /work/shared/seed/000_1bf5a0f2ee5735f9.txt), copied
 * as written — heuristic token count, oldest-first trimming, `[MISSING_VARIABLE]`, `maxTokens =
 * contextWindowLimit` — so the benchmark runs the seed's design, bugs included. Only types changed:
 * the seed's SDK request type does not exist, so the body is typed here.
 */

/** The seed's template (Step 1). */
export interface SeedPromptTemplate {
  systemInstruction: string;
  userTemplate: string;
  variables: Record<string, string>;
  contextWindowLimit: number;
}

/** The seed's few-shot example (Step 4). */
export interface SeedFewShotExample {
  input: string;
  output: string;
  category: string;
}

/** The body the seed posts (its `AiAssistantConversationPostRequest`, which no SDK defines). */
export interface SeedConversationRequest {
  assistantId: string;
  messages: Array<{ role: string; content: string }>;
  settings: { maxTokens: number; temperature: number; safetyPolicy: string };
}

/** The seed's `validatePromptSchema` (Step 1). */
export const validatePromptSchema = (template: SeedPromptTemplate): boolean => {
  if (!template.systemInstruction || template.systemInstruction.length > 4096) {
    throw new Error('System instruction exceeds maximum length or is empty.');
  }
  if (template.contextWindowLimit > 32000) {
    throw new Error('Context window limit exceeds maximum token budget.');
  }
  return true;
};

/** The seed's `buildPromptPayload` (Step 1). */
export const buildPromptPayload = (
  template: SeedPromptTemplate,
  assistantId: string,
): SeedConversationRequest => {
  validatePromptSchema(template);
  const interpolatedUserMessage = template.userTemplate.replace(
    /\{\{(\w+)\}\}/g,
    (_, key: string) => template.variables[key] || '[MISSING_VARIABLE]',
  );
  return {
    assistantId,
    messages: [
      { role: 'system', content: template.systemInstruction },
      { role: 'user', content: interpolatedUserMessage },
    ],
    settings: { maxTokens: template.contextWindowLimit, temperature: 0.2, safetyPolicy: 'strict' },
  };
};

/** The seed's ratio (Step 2). */
export const TOKEN_ESTIMATION_RATIO = 0.25;

/** The seed's `estimateTokens`: characters x 0.25, rounded up (Step 2). */
export const estimateTokens = (text: string): number => {
  return Math.ceil(text.length * TOKEN_ESTIMATION_RATIO);
};

/** The seed's `enforceTokenBudget`: keeps the newest messages that fit, dropping the oldest — system first (Step 2). */
export const enforceTokenBudget = (
  messages: Array<{ role: string; content: string }>,
  budget: number,
): Array<{ role: string; content: string }> => {
  let currentTokens = 0;
  const truncatedMessages = [...messages].reverse();
  for (let i = 0; i < truncatedMessages.length; i++) {
    const tokenCount = estimateTokens(truncatedMessages[i]?.content ?? '');
    if (currentTokens + tokenCount > budget) {
      truncatedMessages.splice(i, truncatedMessages.length - i);
      break;
    }
    currentTokens += tokenCount;
  }
  return truncatedMessages.reverse();
};

/** The seed's `injectFewShotContext` (Step 4). */
export const injectFewShotContext = (systemInstruction: string, examples: SeedFewShotExample[]): string => {
  if (examples.length === 0) return systemInstruction;
  const exampleBlock = examples
    .map((ex) => `Example Input: ${ex.input}\nExample Output: ${ex.output}`)
    .join('\n\n---\n\n');
  return `${systemInstruction}\n\nReference Examples:\n${exampleBlock}`;
};
