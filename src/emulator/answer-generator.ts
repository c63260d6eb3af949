/**
 * The emulator's deterministic stand-in for an LLM: a few sentences built from the last user
 * message's words and a hash of every message, counted and chunked with the o200k_base tokenizer.
 */
import { createHash } from 'node:crypto';
import O200K_TOKEN_BYTES from 'gpt-tokenizer/bpeRanks/o200k_base';
import { countTokens, encode } from 'gpt-tokenizer/encoding/o200k_base';
import type { FinishReason, SafetyPolicy } from '../contract/conversation.js';
import { createSeededRandom, type SeededRandom } from '../seeded-random.js';

/** Special-token text in a prompt (`<|endoftext|>`) is plain text here, never an error. */
const PLAIN_TEXT = { disallowedSpecial: new Set<string>() };

const MIN_ANSWER_TOKENS = 40;
const MAX_ANSWER_TOKENS = 160;
const INJECTION_PHRASE = /ignore previous instructions/i;
const UNSAFE_WORD = /\bUNSAFE\b/;

/** The refusal a blocked request gets. */
export const SAFETY_REFUSAL =
  "I'm sorry, but I can't help with that request because it conflicts with this assistant's safety policy.";

const OPENERS = [
  'Regarding',
  'About',
  'On the question of',
  'Considering',
  'As for',
  'Looking at',
  'When it comes to',
];
const FILLER = [
  'the policy',
  'our records',
  'this case',
  'the usual process',
  'your request',
  'the account',
  'the team',
  'the next step',
  'a quick check',
  'the details',
];
const LINKS = [
  'suggests that',
  'means that',
  'shows that',
  'indicates that',
  'confirms that',
  'implies that',
];
const CLOSERS = [
  'everything should be in order.',
  'a follow-up may help.',
  'no further action is needed right now.',
  'the answer depends on the details given.',
  'it is worth confirming with an agent.',
  'the standard terms apply.',
];

/** What the stand-in answers to one prompt. */
export interface GeneratedAnswer {
  /** The whole answer: `chunks.join('')`. */
  text: string;
  /** The answer cut into groups of `tokensPerChunk` o200k tokens, never inside a character. */
  chunks: string[];
  /** o200k tokens in each chunk (they add up to `completionTokens`). */
  chunkTokens: number[];
  finishReason: FinishReason;
  /** o200k count of `text`. */
  completionTokens: number;
  /** Sum of the o200k counts of the message contents. */
  promptTokens: number;
  /** True when the safety policy blocked the request. */
  safetyPolicyTriggered: boolean;
}

/** Options of `generateAnswer`. */
export interface GenerateAnswerOptions {
  /** o200k tokens per chunk (default 3). */
  tokensPerChunk?: number;
}

/**
 * Writes the deterministic answer to `messages`: the same messages always give the same text.
 * Honours `maxTokens` (finishReason `length`) and the safety policy: `strict` blocks "ignore previous
 * instructions" and the word "UNSAFE" in a user message, `standard` only the former.
 * @param messages the prompt, as sent in the create body
 * @param settings the output allowance and safety policy
 * @param options chunk size
 */
export function generateAnswer(
  messages: ReadonlyArray<{ role: string; content: string }>,
  settings: { maxTokens: number; safetyPolicy: SafetyPolicy },
  options: GenerateAnswerOptions = {},
): GeneratedAnswer {
  const tokensPerChunk = Math.max(1, Math.floor(options.tokensPerChunk ?? 3));
  const promptTokens = messages.reduce((sum, m) => sum + countTokens(m.content, PLAIN_TEXT), 0);
  const blocked = isBlocked(messages, settings.safetyPolicy);
  let text = blocked ? SAFETY_REFUSAL : composeAnswer(messages);
  let tokens = encode(text, PLAIN_TEXT);
  let finishReason: FinishReason = blocked ? 'safety' : 'stop';
  const maxTokens = Math.max(0, Math.floor(settings.maxTokens));
  if (tokens.length > maxTokens) {
    text = cleanPrefix(text, tokens, maxTokens);
    tokens = encode(text, PLAIN_TEXT);
    if (!blocked) finishReason = 'length';
  }
  const { chunks, chunkTokens } = chunkTokensOf(text, tokens, tokensPerChunk);
  return {
    text,
    chunks,
    chunkTokens,
    finishReason,
    completionTokens: tokens.length,
    promptTokens,
    safetyPolicyTriggered: blocked,
  };
}

function isBlocked(
  messages: ReadonlyArray<{ role: string; content: string }>,
  policy: SafetyPolicy,
): boolean {
  return messages.some(
    (m) =>
      m.role === 'user' &&
      (INJECTION_PHRASE.test(m.content) || (policy === 'strict' && UNSAFE_WORD.test(m.content))),
  );
}

/** Sentences from the last user message's words, picked by a PRNG seeded with a hash of all messages. */
function composeAnswer(messages: ReadonlyArray<{ role: string; content: string }>): string {
  const hash = createHash('sha256');
  for (const m of messages) hash.update(`${m.role}\u0000${m.content}\u0001`);
  const digest = hash.digest();
  const random = createSeededRandom(digest.readUInt32BE(0));
  const target = MIN_ANSWER_TOKENS + (digest.readUInt16BE(4) % (MAX_ANSWER_TOKENS - MIN_ANSWER_TOKENS - 20));
  const source = [...messages].reverse().find((m) => m.role === 'user') ?? messages[messages.length - 1];
  const words = wordsOf(source?.content ?? '');
  const pool = words.length > 0 ? words : ['this request'];

  const sentences: string[] = [];
  let approxTokens = 0;
  while (approxTokens < target) {
    const sentence = composeSentence(random, pool);
    sentences.push(sentence);
    approxTokens += countTokens(` ${sentence}`, PLAIN_TEXT);
  }
  const text = sentences.join(' ');
  const tokens = encode(text, PLAIN_TEXT);
  return tokens.length > MAX_ANSWER_TOKENS ? cleanPrefix(text, tokens, MAX_ANSWER_TOKENS) : text;
}

function composeSentence(random: SeededRandom, pool: readonly string[]): string {
  const first = pick(random, pool);
  const second = pick(random, pool);
  const subject = first === second ? first : `${first} and ${second}`;
  return `${pick(random, OPENERS)} ${subject}, ${pick(random, FILLER)} ${pick(random, LINKS)} ${pick(random, CLOSERS)}`;
}

function pick<T>(random: SeededRandom, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)] as T;
}

const STOP_WORDS = new Set(
  'a about an and are as at be but by can do does explain for from give has have how i if in is it me my of on or our please so tell that the their this to was we what when where which who why will with you your'.split(
    ' ',
  ),
);

/**
 * Content words of a message: runs without whitespace or punctuation, lower-cased, stop words and
 * single ASCII characters left out; at most 40, each at most 24 code points.
 */
function wordsOf(content: string): string[] {
  const found = content.match(/[^\s.,;:!?"'`()[\]{}<>|\\/]+/gu) ?? [];
  return found
    .map((w) => Array.from(w.toLowerCase()).slice(0, 24).join(''))
    .filter((w) => (Array.from(w).length > 1 || /[^\x20-\x7e]/u.test(w)) && !STOP_WORDS.has(w))
    .slice(0, 40);
}

/** UTF-8 length of each o200k token (its entry in the rank table: text, or raw bytes). */
function tokenByteLength(token: number): number {
  const entry = O200K_TOKEN_BYTES[token];
  if (entry === undefined) return -1;
  return typeof entry === 'string' ? Buffer.byteLength(entry, 'utf8') : entry.length;
}

/** True when `offset` of `bytes` does not fall inside a UTF-8 sequence. */
function isCharBoundary(bytes: Uint8Array, offset: number): boolean {
  return offset >= bytes.length || ((bytes[offset] ?? 0) & 0xc0) !== 0x80;
}

/**
 * The longest prefix of `text` covered by at most `count` of its tokens that ends on a character
 * boundary and re-encodes to at most `count` tokens.
 */
function cleanPrefix(text: string, tokens: readonly number[], count: number): string {
  const bytes = Buffer.from(text, 'utf8');
  const ends = byteEnds(tokens, bytes.length);
  for (let n = Math.min(count, tokens.length); n > 0; n -= 1) {
    let end = ends === undefined ? 0 : (ends[n - 1] ?? 0);
    while (end > 0 && !isCharBoundary(bytes, end)) end -= 1;
    const prefix = bytes.subarray(0, end).toString('utf8');
    if (countTokens(prefix, PLAIN_TEXT) <= count) return prefix;
  }
  return '';
}

/** Cumulative byte end of each token, or undefined when they do not add up to the text (never expected). */
function byteEnds(tokens: readonly number[], totalBytes: number): number[] | undefined {
  const ends: number[] = [];
  let offset = 0;
  for (const token of tokens) {
    const length = tokenByteLength(token);
    if (length < 0) return undefined;
    offset += length;
    ends.push(offset);
  }
  return offset === totalBytes ? ends : undefined;
}

/**
 * Cuts `text` into groups of `size` tokens. A group that would end inside a multi-byte character is
 * merged with the next token(s) until it ends on a character boundary. Works on the tokens' bytes:
 * gpt-tokenizer's `decode` keeps a shared streaming decoder, so decoding a partial group would
 * corrupt later decodes in the whole process.
 */
function chunkTokensOf(
  text: string,
  tokens: readonly number[],
  size: number,
): { chunks: string[]; chunkTokens: number[] } {
  const bytes = Buffer.from(text, 'utf8');
  const ends = byteEnds(tokens, bytes.length);
  if (ends === undefined) return { chunks: text === '' ? [] : [text], chunkTokens: [tokens.length] };
  const chunks: string[] = [];
  const chunkTokens: number[] = [];
  let start = 0;
  let startByte = 0;
  while (start < tokens.length) {
    let end = Math.min(start + size, tokens.length);
    while (end < tokens.length && !isCharBoundary(bytes, ends[end - 1] ?? 0)) end += 1;
    const endByte = ends[end - 1] ?? bytes.length;
    chunks.push(bytes.subarray(startByte, endByte).toString('utf8'));
    chunkTokens.push(end - start);
    start = end;
    startByte = endByte;
  }
  return { chunks, chunkTokens };
}
