import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { PromptMessage } from '../../src/contract/conversation.js';
import { TokenBudgetError, ValidationError } from '../../src/errors.js';
import { enforceTokenBudget } from '../../src/prompt/token-budget.js';
import { countMessageTokens, estimateTokens } from '../../src/prompt/tokens.js';

const msg = (role: PromptMessage['role'], content: string): PromptMessage => ({ role, content });
// Heuristic tokenizer: 4 characters = 1 token, so sizes are easy to read.
const h = { tokenizer: 'heuristic' as const };

describe('enforceTokenBudget', () => {
  const conversation = [
    msg('system', 'S'.repeat(40)), // 10
    msg('user', 'u'.repeat(20)), // 5
    msg('assistant', 'a'.repeat(20)), // 5
    msg('user', 'v'.repeat(20)), // 5
    msg('assistant', 'b'.repeat(20)), // 5
    msg('user', 'w'.repeat(20)), // 5 (newest user: pinned)
  ];

  it('keeps everything when it fits', () => {
    const report = enforceTokenBudget(conversation, 35, h);
    expect(report.messages).toEqual(conversation);
    expect(report.dropped).toEqual([]);
    expect(report.promptTokens).toBe(35);
  });

  it('drops the oldest unpinned messages first, keeping order and the pinned ones', () => {
    const report = enforceTokenBudget(conversation, 25, h);
    expect(report.messages.map((m) => m.content[0])).toEqual(['S', 'v', 'b', 'w']);
    expect(report.dropped).toEqual([
      { index: 1, role: 'user', tokens: 5 },
      { index: 2, role: 'assistant', tokens: 5 },
    ]);
    expect(report.promptTokens).toBe(25);
  });

  it('keeps the system instruction even when it is the oldest message (the seed dropped it)', () => {
    const report = enforceTokenBudget(conversation, 15, h);
    expect(report.messages.map((m) => m.role)).toEqual(['system', 'user']);
    expect(report.messages[1]?.content).toBe('w'.repeat(20));
  });

  it('pins every system message, wherever it is', () => {
    const messages = [msg('user', 'x'.repeat(40)), msg('system', 'y'.repeat(8)), msg('user', 'z'.repeat(8))];
    const report = enforceTokenBudget(messages, 4, h);
    expect(report.messages.map((m) => m.role)).toEqual(['system', 'user']);
  });

  it('throws TokenBudgetError with the pinned tokens and the budget when the pinned alone do not fit', () => {
    let caught: unknown;
    try {
      enforceTokenBudget(conversation, 14, h);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(TokenBudgetError);
    const error = caught as TokenBudgetError;
    expect(error.pinnedTokens).toBe(15);
    expect(error.budget).toBe(14);
    expect(error.message).toContain('system messages 10 tokens, newest user message 5 tokens');
    expect(error.fix).toContain('raise contextWindowLimit');
  });

  it('never mutates its input', () => {
    const input = conversation.map((m) => ({ ...m }));
    const report = enforceTokenBudget(input, 20, h);
    expect(input).toEqual(conversation);
    report.messages[0]!.content = 'changed';
    expect(input[0]!.content).toBe('S'.repeat(40));
  });

  it('counts with o200k_base by default', () => {
    const messages = [
      msg('system', 'You are a compliance-aware financial assistant.'),
      msg('user', 'Hello, world!'),
    ];
    expect(enforceTokenBudget(messages, 100).promptTokens).toBe(12);
  });

  it('rejects a negative or fractional budget, naming it', () => {
    for (const budget of [-1, 1.5]) {
      const error = captured(() => enforceTokenBudget(conversation, budget));
      expect(error).toBeInstanceOf(ValidationError);
      expect(error).toMatchObject({
        field: 'budget',
        problem: `must be a whole number of 0 or more (got ${budget})`,
        fix: 'pass a token budget',
      });
    }
  });

  it('handles an empty list and a list with no user message', () => {
    expect(enforceTokenBudget([], 0).messages).toEqual([]);
    const report = enforceTokenBudget([msg('assistant', 'a'.repeat(40)), msg('system', 'ssss')], 1, h);
    expect(report.messages).toEqual([msg('system', 'ssss')]);
  });
});

describe('enforceTokenBudget (properties)', () => {
  const message = fc.record({
    role: fc.constantFrom<PromptMessage['role']>('system', 'user', 'assistant'),
    content: fc.string({ minLength: 1, maxLength: 60 }),
  });

  it('keeps the pinned, keeps order, fits the budget or throws, drops only the oldest unpinned', () => {
    // Each branch must have run, or the property proved less than it says.
    const ran = { threw: 0, fitted: 0, dropped: 0 };
    fc.assert(
      fc.property(fc.array(message, { maxLength: 12 }), fc.nat(120), (messages, budget) => {
        const newestUser = messages.map((m) => m.role).lastIndexOf('user');
        const isPinned = (m: PromptMessage, i: number): boolean => m.role === 'system' || i === newestUser;
        const pinnedTokens = messages.filter(isPinned).reduce((sum, m) => sum + estimateTokens(m.content), 0);
        if (pinnedTokens > budget) {
          ran.threw++;
          expect(() => enforceTokenBudget(messages, budget)).toThrow(TokenBudgetError);
          return;
        }
        ran.fitted++;
        const report = enforceTokenBudget(messages, budget);
        expect(report.promptTokens).toBe(countMessageTokens(report.messages));
        expect(report.promptTokens).toBeLessThanOrEqual(budget);
        const droppedIndices = report.dropped.map((d) => d.index);
        const keptIndices = messages.map((_, i) => i).filter((i) => !droppedIndices.includes(i));
        // Order kept: the kept messages are the input minus the dropped, in input order.
        expect(report.messages).toEqual(keptIndices.map((i) => messages[i]));
        // Pinned never dropped.
        for (const i of droppedIndices) expect(isPinned(messages[i]!, i)).toBe(false);
        // Only the oldest unpinned: every unpinned message older than a dropped one is dropped too.
        const unpinned = messages.map((m, i) => i).filter((i) => !isPinned(messages[i]!, i));
        expect(droppedIndices).toEqual(unpinned.slice(0, droppedIndices.length));
        // Minimal: keeping the last dropped message would overflow.
        const last = report.dropped[report.dropped.length - 1];
        if (last) {
          ran.dropped++;
          expect(report.promptTokens + last.tokens).toBeGreaterThan(budget);
        }
      }),
      { seed: 42, numRuns: 200 },
    );
    expect(ran.threw).toBeGreaterThan(10);
    expect(ran.fitted).toBeGreaterThan(10);
    expect(ran.dropped).toBeGreaterThan(10);
  });
});

function captured(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}
