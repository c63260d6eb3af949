/**
 * Markers a test puts in a turn's text (or a version's instruction) to script the emulator's Guides
 * answers: each selects one of the answers a real guide can give, so a client's handling of every
 * status and result can be exercised on demand. Without a marker a turn completes with
 * `SUCCESSFUL_COLLECTION`.
 */

/** The scripted-answer markers. */
export const GUIDE_TRIGGERS = {
  /** `COMPLETED` / `ESCALATION_TRIGGERED`: the guide hands the conversation to a human. */
  escalate: '[[guide:escalate]]',
  /** `COMPLETED` / `CLIENT_ACTION_REQUIRED` with one invocation; answer with `ReturnControl`. */
  clientAction: '[[guide:client-action]]',
  /** `COMPLETED` / `CONFIRMATION_REQUIRED`; the next `UserInput` confirms. */
  confirm: '[[guide:confirm]]',
  /** `COMPLETED` / `NO_MATCH`. */
  noMatch: '[[guide:no-match]]',
  /** `ERROR`: the guide failed this turn. */
  error: '[[guide:error]]',
  /**
   * `IN_PROGRESS` for one `NoOp` poll (`[[guide:in-progress:3]]` for three), then the answer. At most
   * `MAX_SCRIPTED_IN_PROGRESS` polls.
   */
  inProgress: '[[guide:in-progress]]',
  /** In an instruction: the version's publish job ends `Failed` with a reason. */
  publishFail: '[[guide:publish-fail]]',
} as const;

/** Most `IN_PROGRESS` answers one scripted turn gives. */
export const MAX_SCRIPTED_IN_PROGRESS = 100;

/** The scripted outcome a turn's text asks for. */
export type ScriptedTurn = 'escalate' | 'clientAction' | 'confirm' | 'noMatch' | 'error' | undefined;

const IN_PROGRESS_RE = /\[\[guide:in-progress(?::(\d{1,3}))?\]\]/;
const ANY_MARKER_RE = /\[\[guide:[a-z-]+(?::\d{1,3})?\]\]/g;

/** What a turn's text scripts: the outcome and how many `IN_PROGRESS` polls precede it. */
export function scriptOf(text: string): { outcome: ScriptedTurn; inProgressPolls: number } {
  const match = IN_PROGRESS_RE.exec(text);
  const polls = match === null ? 0 : Math.min(MAX_SCRIPTED_IN_PROGRESS, Number(match[1] ?? 1));
  const outcomes: Array<Exclude<ScriptedTurn, undefined>> = [
    'escalate',
    'clientAction',
    'confirm',
    'noMatch',
    'error',
  ];
  const outcome = outcomes.find((name) => text.includes(GUIDE_TRIGGERS[name]));
  return { outcome, inProgressPolls: polls };
}

/** `text` without any marker, trimmed. */
export function withoutMarkers(text: string): string {
  return text.replace(ANY_MARKER_RE, ' ').replace(/\s+/g, ' ').trim();
}
