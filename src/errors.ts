/**
 * One error hierarchy for the whole library. Catch by class (`instanceof RateLimitError`), never by
 * parsing messages. Every message says what happened and what to do; none carries a secret or token.
 */
import { RATE_LIMIT_CODE, type ErrorBody } from './contract/errors.js';
import { parseRetryAfter } from './contract/retry-after.js';

/** Base of every error this library throws. */
export class GenesysPromptError extends Error {
  /** Stable machine-readable code (`invalid.input`, `too.many.requests.retry.after`, ...). */
  readonly code: string;
  /** HTTP status when the error came from a response. */
  readonly status: number | undefined;
  /** `ININ-Correlation-Id` of the failing request, when there was one. */
  readonly correlationId: string | undefined;

  constructor(
    message: string,
    options: { code: string; status?: number; correlationId?: string; cause?: unknown },
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = options.code;
    this.status = options.status;
    this.correlationId = options.correlationId;
  }
}

// ---------------------------------------------------------------- bad input (never sent)

/**
 * Bad input: names the field (a dotted path, prefixed by the file when there is one) and the fix.
 * When one input has several problems (a template file's schema), the error is the first of them and
 * `problems` lists every one, so a user can fix them all in one go.
 */
export class ValidationError extends GenesysPromptError {
  readonly field: string;
  /** What is wrong with the field, without the field and the fix. */
  readonly problem: string;
  readonly fix: string;
  readonly file: string | undefined;
  /**
   * Every problem found in the same input, each on its own, this one first; `[this]` when alone. Not
   * enumerable, so the error still serialises as JSON (the list refers back to the error).
   */
  declare readonly problems: readonly ValidationError[];
  constructor(
    field: string,
    problem: string,
    fix: string,
    options: { file?: string; code?: string; cause?: unknown; problems?: readonly ValidationError[] } = {},
  ) {
    const where = options.file ? `${options.file}: ${field}` : field;
    const others = options.problems?.slice(1) ?? [];
    const more =
      others.length === 0
        ? ''
        : ` (and ${others.length} more problem${others.length === 1 ? '' : 's'}: ${others.map((o) => o.field).join(', ')})`;
    super(`${where}: ${problem}; ${fix}${more}`, {
      code: options.code ?? 'invalid.input',
      cause: options.cause,
    });
    this.field = field;
    this.problem = problem;
    this.fix = fix;
    this.file = options.file;
    Object.defineProperty(this, 'problems', {
      value: others.length === 0 ? [this] : (options.problems ?? [this]),
      enumerable: false,
    });
  }

  /**
   * One error for several problems of one input: the first problem, with `problems` listing all.
   * @param problems at least one
   */
  static of(problems: readonly [ValidationError, ...ValidationError[]]): ValidationError {
    return validationErrorOf(problems);
  }
}

/**
 * `ValidationError.of`, outside the class body: a class that names itself in its body is bundled as
 * `class _ValidationError`, and its `name` would read so (the build keeps no names).
 */
function validationErrorOf(problems: readonly [ValidationError, ...ValidationError[]]): ValidationError {
  const [first] = problems;
  if (problems.length === 1) return first;
  return new ValidationError(first.field, first.problem, first.fix, {
    file: first.file,
    code: first.code,
    problems,
  });
}

/** Strict interpolation found variables with no value; lists every one of them. */
export class MissingVariablesError extends ValidationError {
  readonly missing: readonly string[];
  constructor(missing: readonly string[], options: { file?: string } = {}) {
    super(
      'variables',
      `missing value for ${missing.map((m) => `{{${m}}}`).join(', ')}`,
      `pass ${missing.map((m) => `--var ${m}=...`).join(' ')} (or set variables.${missing[0]} in the template)`,
      { ...options, code: 'missing.variables' },
    );
    this.missing = missing;
  }
}

/** The pinned messages (system + newest user) alone do not fit the budget. */
export class TokenBudgetError extends ValidationError {
  readonly pinnedTokens: number;
  readonly budget: number;
  constructor(pinnedTokens: number, budget: number, detail = '') {
    super(
      'contextWindowLimit',
      `the system instruction and the newest user message need ${pinnedTokens} tokens but the budget is ${budget}${detail}`,
      'raise contextWindowLimit, lower maxOutputTokens, or shorten the system instruction or user message',
      { code: 'token.budget.exceeded' },
    );
    this.pinnedTokens = pinnedTokens;
    this.budget = budget;
  }
}

/**
 * An input of ours (a template or examples file, a variable value) is larger than its limit. Names
 * the limit and the option that raises it; refused before the input is parsed or counted.
 */
export class InputTooLargeError extends ValidationError {
  /** The option that sets the limit, e.g. `maxTemplateBytes`. */
  readonly option: string;
  /** The limit in force. */
  readonly limit: number;
  /**
   * @param field what is too large (`file`, `variables.question`)
   * @param option the option that sets the limit
   * @param limit the limit in force
   * @param unit what the limit counts (`bytes`, `characters`)
   * @param options the file the input came from, and its size when known (a file is read no further
   *   than the limit)
   */
  constructor(
    field: string,
    option: string,
    limit: number,
    unit: string,
    options: { file?: string; size?: number } = {},
  ) {
    const size = options.size === undefined ? `more than ${limit}` : String(options.size);
    super(field, `is ${size} ${unit}, over ${option} (${limit} ${unit})`, `shorten it, or raise ${option}`, {
      file: options.file,
      code: 'input.too.large',
    });
    this.option = option;
    this.limit = limit;
  }
}

/** Missing or unsafe configuration (credentials, environment, insecure URL). */
export class ConfigurationError extends ValidationError {
  constructor(field: string, problem: string, fix: string) {
    super(field, problem, fix, { code: 'invalid.configuration' });
  }
}

// ---------------------------------------------------------------- API answers

/** Options of an error built from an HTTP answer. */
export interface ApiErrorOptions {
  status: number;
  code?: string;
  correlationId?: string;
  body?: ErrorBody | undefined;
  headers?: Record<string, string>;
  cause?: unknown;
}

/** The API answered with an error status. */
export class ApiError extends GenesysPromptError {
  override readonly status: number;
  /** The parsed Genesys error body, when it had one. */
  readonly body: ErrorBody | undefined;
  /** Response headers (lower-case names). Never includes request headers, so never a token. */
  readonly headers: Record<string, string>;
  constructor(message: string, options: ApiErrorOptions) {
    super(message, {
      code: options.code ?? options.body?.code ?? `http.${options.status}`,
      status: options.status,
      correlationId: options.correlationId,
      cause: options.cause,
    });
    this.status = options.status;
    this.body = options.body;
    this.headers = options.headers ?? {};
  }
}

/** 400: the request broke the schema; never retried. */
export class BadRequestError extends ApiError {}
/** 401: credentials refused or token expired (after one re-login and retry). */
export class AuthenticationError extends ApiError {}
/** 403: the OAuth client lacks a scope or role; never retried. */
export class PermissionDeniedError extends ApiError {}
/** 404: unknown assistant or conversation; never retried. */
export class NotFoundError extends ApiError {}
/**
 * 429 after every retry, or at once when the server's `Retry-After` is longer than `maxRetryAfterMs`
 * or ends past the deadline: `retryAfterMs` is the server's last `Retry-After` (seconds or HTTP date).
 */
export class RateLimitError extends ApiError {
  readonly retryAfterMs: number | undefined;
  constructor(message: string, options: ApiErrorOptions & { retryAfterMs?: number }) {
    super(message, { code: RATE_LIMIT_CODE, ...options });
    this.retryAfterMs = options.retryAfterMs;
  }
}
/** 5xx after every retry. */
export class InternalServerError extends ApiError {}
/** A success status whose body does not match the wire contract (docs/protocol.md); never retried. */
export class InvalidResponseError extends ApiError {}

// ---------------------------------------------------------------- transport

/** The connection failed or was reset before an answer. */
export class ConnectionError extends GenesysPromptError {
  constructor(message: string, options: { cause?: unknown; code?: string } = {}) {
    super(message, { code: options.code ?? 'connection.failed', cause: options.cause });
  }
}
/** A request or the overall deadline ran out. */
export class TimeoutError extends GenesysPromptError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { code: 'timeout', cause: options.cause });
  }
}
/** The caller's `AbortSignal` fired. */
export class AbortError extends GenesysPromptError {
  constructor(message = 'the operation was aborted by the caller', options: { cause?: unknown } = {}) {
    super(message, { code: 'aborted', cause: options.cause });
  }
}
/** The answer stream failed: an `aiResponseError` event, or it could not be recovered. */
export class StreamError extends GenesysPromptError {
  readonly conversationId: string | undefined;
  constructor(message: string, options: { code?: string; conversationId?: string; cause?: unknown } = {}) {
    super(message, { code: options.code ?? 'stream.failed', cause: options.cause });
    this.conversationId = options.conversationId;
  }
}

/**
 * Something a server sent is larger than a configured limit (a REST body, a socket frame, the answer
 * text, chunks held across a gap). Names the limit and the option that raises it; never retried.
 */
export class LimitExceededError extends GenesysPromptError {
  /** The option that sets the limit, e.g. `limits.maxResponseBodyBytes`. */
  readonly option: string;
  /** The limit in force. */
  readonly limit: number;
  /**
   * @param what what grew too large, e.g. `the answer of conversation 42`
   * @param option the option that sets the limit
   * @param limit the limit in force
   * @param unit what the limit counts (`bytes`, `characters`, `chunks`)
   */
  constructor(what: string, option: string, limit: number, unit: string, options: { cause?: unknown } = {}) {
    super(
      `${what} exceeds ${option} (${limit} ${unit}); raise ${option} if this size is expected from a server you trust`,
      { code: 'limit.exceeded', cause: options.cause },
    );
    this.option = option;
    this.limit = limit;
  }
}

/** What to do next for each status, so messages say the fix. */
const STATUS_ADVICE: Record<number, string> = {
  400: 'fix the request fields named in the details',
  401: 'check GENESYS_CLIENT_ID and GENESYS_CLIENT_SECRET for this environment',
  403: 'grant the OAuth client the scope named here (role "AI Assistant Admin" or equivalent) in Genesys Cloud Admin > OAuth',
  404: 'check the assistant id and the environment',
  429: 'lower the request rate (requestsPerMinute) or raise maxRetries',
};

/**
 * Maps an HTTP error answer to its class, in one place.
 * @param status HTTP status
 * @param body parsed Genesys error body, if the answer had one
 * @param headers response headers, lower-case names
 * @param context what was being done, e.g. `POST /api/v2/ai/assistants/{id}/conversations`
 */
export function errorFromResponse(
  status: number,
  body: ErrorBody | undefined,
  headers: Record<string, string>,
  context: string,
): ApiError {
  const correlationId = headers['inin-correlation-id'] ?? body?.contextId;
  const advice =
    status >= 500 ? 'the service failed; retry later' : (STATUS_ADVICE[status] ?? 'see the details');
  const message = `${context} failed with ${status}${body?.message ? `: ${body.message}` : ''}; ${advice}`;
  const options: ApiErrorOptions = { status, body, headers, correlationId };
  if (status === 400 || status === 422) return new BadRequestError(message, options);
  if (status === 401) return new AuthenticationError(message, options);
  if (status === 403) return new PermissionDeniedError(message, options);
  if (status === 404) return new NotFoundError(message, options);
  if (status === 429) {
    return new RateLimitError(message, { ...options, retryAfterMs: parseRetryAfter(headers['retry-after']) });
  }
  if (status >= 500) return new InternalServerError(message, options);
  return new ApiError(message, options);
}
