/**
 * A socket refusing a frame over its `maxPayload`: `ws` reports it as a plain error and closes the
 * socket with 1009. This names it as the limit it is, for the drop's log line.
 */
import { LimitExceededError } from '../errors.js';
import { LIMIT_OPTION } from '../limits.js';

/** The code `ws` gives an error for a frame over `maxPayload`. */
const WS_FRAME_TOO_LARGE = 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH';

/**
 * The `LimitExceededError` behind a socket error, or undefined when the error is something else.
 * @param error what the socket emitted
 * @param maxFrameBytes the socket's `maxPayload`
 * @param where which socket, for the message
 */
export function frameLimitError(
  error: Error,
  maxFrameBytes: number,
  where: string,
): LimitExceededError | undefined {
  if ((error as { code?: unknown }).code !== WS_FRAME_TOO_LARGE) return undefined;
  return new LimitExceededError(`a frame on ${where}`, LIMIT_OPTION.maxFrameBytes, maxFrameBytes, 'bytes', {
    cause: error,
  });
}
