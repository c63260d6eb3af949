/**
 * What one guide turn gives back beyond its text, and how a caller continues the session: the next
 * message (pass the previous details), or the outputs of the client actions a
 * `CLIENT_ACTION_REQUIRED` turn asked for (a `ReturnControl` turn).
 */
import type {
  GuideInvocation,
  GuideInvocationOutput,
  GuideSessionVariable,
  GuideTurnResult,
  KnowledgeSettings,
} from '../contract/guides.js';

/** The details of a completed guide turn (`InjectionResult.guide`). */
export interface GuideTurnDetails {
  guideId: string;
  /** The session; pass these details as `guide.previous` to continue it. */
  guideSessionId: string;
  /** The guide version that answered. */
  version: string;
  languageCode: string;
  /** Always `COMPLETED` here: `ERROR` is thrown as `GuideTurnError`, `IN_PROGRESS` is polled to its end. */
  status: 'COMPLETED';
  /**
   * `SUCCESSFUL_COLLECTION`, or one the caller acts on: `CONFIRMATION_REQUIRED` (send the user's
   * reply), `CLIENT_ACTION_REQUIRED` (run `invocations`, then send `guide.returnControl`),
   * `ESCALATION_TRIGGERED` (hand over to a person), `NO_MATCH` (rephrase or route elsewhere).
   */
  result: GuideTurnResult | undefined;
  outputVariables: GuideSessionVariable[];
  /** Set with `CLIENT_ACTION_REQUIRED`: send it back in `guide.returnControl`. */
  invocationId: string | undefined;
  /** The client actions the guide asks the caller to run. */
  invocations: GuideInvocation[];
  /** `NoOp` polls it took while the guide answered `IN_PROGRESS`. */
  inProgressPolls: number;
}

/** The outputs of the client actions of a `CLIENT_ACTION_REQUIRED` turn. */
export interface GuideReturnControl {
  /** The `invocationId` of the turn that asked. */
  invocationId: string;
  /** One output per invocation run. */
  invocations: GuideInvocationOutput[];
}

/** Per-injection options of the `guides` backend (`InjectOptions.guide`). */
export interface GuideInjectOptions {
  /** Continue the session of an earlier turn (its `InjectionResult.guide`) instead of deriving one. */
  previous?: Pick<GuideTurnDetails, 'guideSessionId' | 'version'> &
    Partial<Pick<GuideTurnDetails, 'languageCode'>>;
  /** Send a `ReturnControl` turn with these outputs instead of the rendered user message. */
  returnControl?: GuideReturnControl;
  /** The guide version to talk to (default: the previous turn's, else the guide's latest production-ready version). */
  version?: string;
  /** `languageCode` of the turn (default: the template's `guide.languageCode`, else `en-us`). */
  languageCode?: string;
  /** `knowledgeSettings` of the turn. */
  knowledgeSettings?: KnowledgeSettings;
}

/**
 * The `ReturnControl` follow-up of a `CLIENT_ACTION_REQUIRED` turn: one output per invocation, matched
 * by action name.
 * @param details the turn that asked (its `InjectionResult.guide`)
 * @param outputs each invocation's output, by `actionName`
 * @returns options for the next injection: `{ previous: details, returnControl }`
 */
export function returnControlFor(
  details: GuideTurnDetails,
  outputs: Readonly<Record<string, string>>,
): Required<Pick<GuideInjectOptions, 'previous' | 'returnControl'>> {
  return {
    previous: details,
    returnControl: {
      invocationId: details.invocationId ?? '',
      invocations: details.invocations.map((invocation) => ({
        group: invocation.group,
        actionName: invocation.actionName,
        output: outputs[invocation.actionName] ?? '',
      })),
    },
  };
}
