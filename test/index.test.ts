import { describe, expect, it } from 'vitest';
import * as api from '../src/index.js';

describe('public API', () => {
  it("exports the seed's names and the additions of PRODUCT.md 3", () => {
    const functions = [
      'validatePromptSchema',
      'buildPromptPayload',
      'estimateTokens',
      'enforceTokenBudget',
      'selectFewShotExamples',
      'injectFewShotContext',
      'connectToAiStream',
      'handleStreamEvents',
      'exportTelemetry',
      'generateAuditLog',
      'verifyAuditLog',
      'loadTemplate',
      'startEmulator',
      'GenesysPromptInjector',
    ] as const;
    for (const name of functions) expect(typeof api[name], name).toBe('function');
    const proto = api.GenesysPromptInjector.prototype;
    for (const method of ['initialize', 'injectPrompt', 'streamPrompt', 'close'] as const) {
      expect(typeof proto[method], method).toBe('function');
    }
  });

  it('exports one error hierarchy, catchable by class', () => {
    expect(new api.RateLimitError('x', { status: 429 })).toBeInstanceOf(api.ApiError);
    expect(new api.MissingVariablesError(['a'])).toBeInstanceOf(api.ValidationError);
    expect(new api.StreamError('x')).toBeInstanceOf(api.GenesysPromptError);
  });
});
