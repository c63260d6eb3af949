/** The prompt pipeline: pure and synchronous, except file loading in `load-template.ts`. */
export * from './template.js';
export * from './load-template.js';
export * from './interpolate.js';
export * from './tokens.js';
export * from './token-budget.js';
export * from './few-shot.js';
export * from './payload.js';
export * from './prepare-prompt.js';
export {
  replacePlaceholders,
  scanPlaceholders,
  VARIABLE_NAME_RE,
  type PlaceholderMatch,
} from './placeholders.js';
export {
  renderTemplate,
  checkHistory,
  type RenderOptions,
  type RenderedTemplate,
} from './render-template.js';
export { bm25Scores, bm25Terms, BM25_B, BM25_K1 } from './bm25.js';
export { mulberry32, seededSample, uniformIndex, type Uint32Source } from '../seeded-random.js';
