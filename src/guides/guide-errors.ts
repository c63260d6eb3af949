/**
 * The errors only the Guides surface raises, in the library's one hierarchy: a turn the guide answered
 * with `status: ERROR` is a `StreamError` (the answer failed; the CLI exits 5), and a publish job that
 * ended `Failed` carries the job's own reason.
 */
import { GenesysPromptError, StreamError } from '../errors.js';

/** The guide answered a turn with `status: ERROR`. */
export class GuideTurnError extends StreamError {
  /** The guide. */
  readonly guideId: string;
  /** The session the turn belongs to; a new turn in it may succeed. */
  readonly guideSessionId: string;
  /** The text the guide sent with the error, if any. */
  readonly responseText: string | undefined;
  constructor(message: string, details: { guideId: string; guideSessionId: string; responseText?: string }) {
    super(message, { code: 'guide.turn.error', conversationId: details.guideSessionId });
    this.guideId = details.guideId;
    this.guideSessionId = details.guideSessionId;
    this.responseText = details.responseText;
  }
}

/** A guide version's publish job ended `Failed`. */
export class GuidePublishError extends GenesysPromptError {
  readonly guideId: string;
  /** The version that was not published. */
  readonly version: string;
  readonly jobId: string;
  /** The job's reasons, as Genesys wrote them. */
  readonly reasons: readonly string[];
  constructor(details: { guideId: string; version: string; jobId: string; reasons: readonly string[] }) {
    const why = details.reasons.length > 0 ? details.reasons.join('; ') : 'no reason was given';
    super(
      `publishing version ${details.version} of guide ${details.guideId} failed (job ${details.jobId}): ${why}; fix the template and deploy again`,
      { code: 'guide.publish.failed' },
    );
    this.guideId = details.guideId;
    this.version = details.version;
    this.jobId = details.jobId;
    this.reasons = details.reasons;
  }
}
