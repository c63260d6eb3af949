import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as emulatorApi from '../src/emulator-entry.js';
import * as api from '../src/index.js';
import tsupConfig from '../tsup.config.js';

const ROOT = resolve(import.meta.dirname, '..');

/** Every source file `entry` loads, following relative static and dynamic imports. */
function moduleGraph(entry: string): Set<string> {
  const seen = new Set<string>();
  const pending = [resolve(ROOT, entry)];
  for (let file = pending.pop(); file !== undefined; file = pending.pop()) {
    if (seen.has(file)) continue;
    seen.add(file);
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)\.js'/g)) {
      const target = resolve(dirname(file), `${match[1]}.ts`);
      if (existsSync(target)) pending.push(target);
    }
  }
  return new Set([...seen].map((file) => relative(ROOT, file)));
}

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
    const tooLarge = new api.LimitExceededError('a frame', 'limits.maxFrameBytes', 1, 'bytes');
    expect(tooLarge).toBeInstanceOf(api.GenesysPromptError);
    expect(tooLarge.option).toBe('limits.maxFrameBytes');
    expect(api.DEFAULT_RESPONSE_LIMITS.maxFrameBytes).toBe(1024 * 1024);
  });
});

describe('entry points', () => {
  it('the main entry loads the client only: no module of the emulator', () => {
    const graph = [...moduleGraph('src/index.ts')];
    expect(graph).toContain('src/injector.ts');
    expect(graph.filter((file) => file.startsWith('src/emulator'))).toEqual([]);
    expect('startEmulator' in api).toBe(false);
  });

  it('the emulator is the subpath genesys-prompt-injector/emulator', () => {
    expect(typeof emulatorApi.startEmulator).toBe('function');
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      exports: Record<string, { types: string; import: string }>;
    };
    const config = tsupConfig as { entry: Record<string, string>; dts: { entry: Record<string, string> } };
    const built = { '.': 'src/index.ts', './emulator': 'src/emulator-entry.ts' };
    for (const [subpath, source] of Object.entries(built)) {
      const target = pkg.exports[subpath];
      const name = target?.import.replace(/^\.\/dist\//, '').replace(/\.js$/, '') ?? '';
      expect(config.entry[name], subpath).toBe(source);
      expect(config.dts.entry[name], subpath).toBe(source);
      expect(target?.types, subpath).toBe(`./dist/${name}.d.ts`);
    }
  });
});
