/**
 * The emulator's deterministic stand-in for a guide's LLM: the answer to one turn, built from the
 * version's instruction, the turn's text and its input variables (the same inputs always give the same
 * answer), or the scripted answer a marker in the text selects.
 */
import { createHash } from 'node:crypto';
import type {
  GuideSessionTurnResponse,
  GuideSessionVariable,
  GuideTurnResult,
  GuideVariable,
} from '../contract/guides.js';
import { generateAnswer } from './answer-generator.js';

/** Most o200k tokens in one stand-in answer. */
const MAX_ANSWER_TOKENS = 400;

/** What a version contributes to an answer. */
export interface AnsweringVersion {
  instruction: string;
  variables: readonly GuideVariable[];
  dataActions: ReadonlyArray<{ label: string }>;
}

/** The fixed texts of the scripted answers. */
export const SCRIPTED_TEXTS = {
  escalate: 'I am connecting you with an agent who can help with this.',
  noMatch: 'I am sorry, I could not match that to anything I can help with.',
  error: 'The guide could not process this turn.',
} as const;

/**
 * A completed answer with `result` (default `SUCCESSFUL_COLLECTION`): LLM-like text, and a value for
 * every `Output` / `InputAndOutput` variable when the collection succeeded.
 */
export function completedAnswer(
  version: AnsweringVersion,
  text: string,
  inputVariables: readonly GuideSessionVariable[],
  result: GuideTurnResult = 'SUCCESSFUL_COLLECTION',
): GuideSessionTurnResponse {
  const variableLine = inputVariables.map((v) => `${v.name ?? ''}=${v.value ?? ''}`).join(' ');
  const generated = generateAnswer(
    [
      { role: 'system', content: version.instruction },
      { role: 'user', content: variableLine === '' ? text : `${text}\n${variableLine}` },
    ],
    { maxTokens: MAX_ANSWER_TOKENS, safetyPolicy: 'standard' },
  );
  const answer: GuideSessionTurnResponse = {
    response: { text: generated.text },
    status: 'COMPLETED',
    result,
  };
  if (result === 'SUCCESSFUL_COLLECTION') {
    const outputs = outputVariables(version.variables, inputVariables, text);
    if (outputs.length > 0) answer.outputVariables = outputs;
  }
  return answer;
}

/** A scripted answer with fixed text: escalation or no match. */
export function fixedAnswer(result: 'ESCALATION_TRIGGERED' | 'NO_MATCH'): GuideSessionTurnResponse {
  const text = result === 'ESCALATION_TRIGGERED' ? SCRIPTED_TEXTS.escalate : SCRIPTED_TEXTS.noMatch;
  return { response: { text }, status: 'COMPLETED', result };
}

/** The `ERROR` answer. */
export function errorAnswer(): GuideSessionTurnResponse {
  return { response: { text: SCRIPTED_TEXTS.error }, status: 'ERROR' };
}

/** The `IN_PROGRESS` answer: no text yet. */
export function inProgressAnswer(): GuideSessionTurnResponse {
  return { status: 'IN_PROGRESS' };
}

/** `CONFIRMATION_REQUIRED`: the guide repeats what it understood and asks for a yes. */
export function confirmationAnswer(text: string): GuideSessionTurnResponse {
  return {
    response: { text: `Please confirm: ${text === '' ? 'your request' : text}. Is that right?` },
    status: 'COMPLETED',
    result: 'CONFIRMATION_REQUIRED',
  };
}

/**
 * `CLIENT_ACTION_REQUIRED`: one invocation of the version's first data action (or `lookupRecord`),
 * with an id derived from the session and turn, so a retried turn asks for the same invocation.
 */
export function clientActionAnswer(
  version: AnsweringVersion,
  text: string,
  sessionKey: string,
  turn: number,
): { answer: GuideSessionTurnResponse; invocationId: string; group: string; actionName: string } {
  const invocationId = uuidFrom(`${sessionKey}\u0000${turn}`);
  const group = 'dataActions';
  const actionName = version.dataActions[0]?.label ?? 'lookupRecord';
  return {
    invocationId,
    group,
    actionName,
    answer: {
      response: { text: 'One moment while I look that up.' },
      status: 'COMPLETED',
      result: 'CLIENT_ACTION_REQUIRED',
      invocationId,
      invocations: [
        {
          id: uuidFrom(`${invocationId}\u00001`),
          group,
          actionName,
          parameters: [{ name: 'query', type: 'String', value: text }],
        },
      ],
    },
  };
}

/** Values for the output variables: an input's own value for `InputAndOutput`, else derived from the text. */
function outputVariables(
  declared: readonly GuideVariable[],
  inputs: readonly GuideSessionVariable[],
  text: string,
): GuideSessionVariable[] {
  const given = new Map(inputs.map((v) => [v.name, v.value]));
  const digest = createHash('sha256').update(text).digest('hex').slice(0, 8);
  return declared
    .filter((v) => v.scope === 'Output' || v.scope === 'InputAndOutput')
    .map((v) => ({ name: v.name, value: given.get(v.name) ?? `${v.name}-${digest}` }));
}

/** A UUID-shaped id derived from `seed` (SHA-256, version nibble 5 as a name-based UUID). */
function uuidFrom(seed: string): string {
  const hex = createHash('sha256').update(seed).digest('hex');
  const variant = ((parseInt(hex.slice(16, 17), 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
