/**
 * Reading the guide turn out of an injection's result: `InjectionResult.details` is untyped (each
 * backend says what it knows); for the `guides` backend it is a `GuideTurnDetails`.
 */
import type { InjectionResult } from '../injector-options.js';
import type { GuideTurnDetails } from './guide-turn-result.js';

/**
 * The guide turn of a result, or undefined when another backend answered.
 * @param result what `injectPrompt` resolved with (or `streamPrompt`'s last item)
 */
export function guideTurnOf(result: Pick<InjectionResult, 'details'>): GuideTurnDetails | undefined {
  const details = result.details as Partial<GuideTurnDetails> | undefined;
  if (
    details === undefined ||
    typeof details.guideId !== 'string' ||
    typeof details.guideSessionId !== 'string' ||
    typeof details.version !== 'string' ||
    details.status !== 'COMPLETED'
  ) {
    return undefined;
  }
  return details as GuideTurnDetails;
}
