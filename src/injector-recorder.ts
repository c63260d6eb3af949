/**
 * What every injection leaves behind, success or failure: one audit entry, one telemetry record and
 * one OpenTelemetry span. The injector opens one `InjectionRecord` per injection, tells it what is
 * known as the injection proceeds, and ends it exactly once with `succeed` or `fail`.
 */
import { GenesysPromptError } from './errors.js';
import type { InjectionResult } from './injector-options.js';
import type { Logger } from './logger.js';
import type { AuditSink } from './observe/audit-sink.js';
import { promptHash, sha256Hex } from './observe/canonical-json.js';
import { startInjectionSpan, type InjectionSpan, type InjectionTelemetryOptions } from './observe/otel.js';
import { telemetryPayloadFromResult, type TelemetryExporter } from './observe/telemetry-exporter.js';
import { payloadHash } from './observe/payload-hash.js';
import type { PreparedPrompt } from './prompt/prepare-prompt.js';
import type { ResponseOutcome } from './stream/response-backend.js';

/** What the recorder writes to, shared by every injection of one injector. */
export interface InjectionRecorderOptions {
  /** The audit sink once the injector has opened it (none: no audit trail). */
  audit: () => AuditSink | undefined;
  telemetry: TelemetryExporter;
  /** Where an audit write failure of a failed injection is reported. */
  logger: Logger;
  /** Recorded in audit entries. */
  userId: string;
  /** `server.address` and `server.port` of the spans. */
  server: { address: string; port: number };
  openTelemetry: InjectionTelemetryOptions;
}

/** What the result needs that the backend's outcome does not say. */
export interface InjectionFigures {
  promptTokens: number;
  idempotencyKey: string;
  /** ms from the start to the backend's `accepted`. */
  injectionLatencyMs: number;
}

/** Opens the record of each injection. */
export class InjectionRecorder {
  readonly #options: InjectionRecorderOptions;

  /** @param options audit sink, telemetry exporter, logger, user id, span settings */
  constructor(options: InjectionRecorderOptions) {
    this.#options = options;
  }

  /**
   * Starts the record of one injection.
   * @param assistantId as the caller passed it (it may be invalid)
   * @param template as the caller passed it: hashed for the audit entry of a prompt that never existed
   * @param transport the backend's name, for telemetry and spans
   */
  begin(assistantId: string, template: unknown, transport: string): InjectionRecord {
    return new InjectionRecord(this.#options, assistantId, template, transport);
  }
}

/** The record of one injection, filled in as it proceeds. */
export class InjectionRecord {
  readonly #options: InjectionRecorderOptions;
  readonly #assistantId: string;
  readonly #template: unknown;
  readonly #transport: string;
  #hash: string | undefined;
  #span: InjectionSpan | undefined;
  #conversationId: string | null = null;
  #targetVersion: string | undefined;
  #retries = 0;

  constructor(options: InjectionRecorderOptions, assistantId: string, template: unknown, transport: string) {
    this.#options = options;
    this.#assistantId = assistantId;
    this.#template = template;
    this.#transport = transport;
  }

  /**
   * The payload exists: hashes it and starts the span.
   * @param prepared the prepared prompt
   * @returns the prompt hash
   */
  prepared(prepared: PreparedPrompt): string {
    this.#hash = payloadHash(prepared.payload);
    this.#span = startInjectionSpan(
      {
        assistantId: this.#assistantId,
        maxTokens: prepared.payload.settings.maxTokens,
        temperature: prepared.payload.settings.temperature,
        serverAddress: this.#options.server.address,
        serverPort: this.#options.server.port,
        transport: this.#transport,
      },
      this.#options.openTelemetry,
    );
    return this.#hash;
  }

  /**
   * The server took the prompt.
   * @param conversationId the conversation (or session) it opened
   * @param retries the retries the create call took
   * @param targetVersion the version of the target that took it (a guide version), if the backend knows it
   */
  accepted(conversationId: string, retries: number, targetVersion?: string): void {
    this.#conversationId = conversationId;
    this.#retries = retries;
    this.#targetVersion = targetVersion;
    this.#span?.setConversationId(conversationId);
  }

  /**
   * One audit entry, one telemetry record and the span's end for an answered injection.
   * @param outcome the backend's outcome
   * @param figures prompt tokens, idempotency key, latency
   * @returns the injection's result
   */
  async succeed(outcome: ResponseOutcome, figures: InjectionFigures): Promise<InjectionResult> {
    const hash = this.#hash ?? this.#inputHash();
    const { promptTokens } = figures;
    const usage =
      outcome.truncated && outcome.usage.promptTokens === 0
        ? { ...outcome.usage, promptTokens }
        : outcome.usage;
    // No sink, no await: a resolved wait still costs a promise and a turn per injection.
    const sink = this.#options.audit();
    const audit =
      sink === undefined
        ? undefined
        : await sink.append({
            conversationId: outcome.conversationId,
            assistantId: this.#assistantId,
            promptHash: hash,
            userId: this.#options.userId,
            ...this.#backendFields(),
          });
    const result: InjectionResult = {
      conversationId: outcome.conversationId,
      response: outcome.text,
      finishReason: outcome.finishReason,
      truncated: outcome.truncated,
      usage,
      safetyPolicyTriggered: outcome.safetyPolicyTriggered,
      promptTokens,
      promptHash: hash,
      idempotencyKey: figures.idempotencyKey,
      injectionLatencyMs: figures.injectionLatencyMs,
      timeToFirstChunkMs:
        outcome.timeToFirstChunkMs === undefined
          ? undefined
          : outcome.timeToFirstChunkMs + figures.injectionLatencyMs,
      streamDurationMs: outcome.streamDurationMs,
      retries: this.#retries,
      malformedFrames: outcome.malformedFrames,
      audit,
      ...(outcome.details === undefined ? {} : { details: outcome.details }),
    };
    const { telemetry } = this.#options;
    // Without an endpoint the record would be dropped: the payload is not built.
    if (telemetry.enabled) {
      telemetry.record(
        telemetryPayloadFromResult(result, { assistantId: this.#assistantId, transport: this.#transport }),
      );
    }
    this.#span?.end({
      conversationId: result.conversationId,
      finishReason: result.finishReason,
      inputTokens: usage.promptTokens,
      outputTokens: usage.completionTokens,
      ...(result.timeToFirstChunkMs === undefined ? {} : { timeToFirstChunkMs: result.timeToFirstChunkMs }),
      retries: result.retries,
      truncated: result.truncated,
    });
    return result;
  }

  /**
   * One FAILED audit entry and a failed span. An audit write failure is logged, never masks `error`.
   * @param error why the injection failed
   */
  async fail(error: unknown): Promise<void> {
    this.#span?.fail(error, { retries: this.#retries });
    const audit = this.#options.audit();
    if (audit === undefined) return;
    const code = error instanceof GenesysPromptError ? error.code : 'internal.error';
    try {
      await audit.append({
        conversationId: this.#conversationId,
        assistantId:
          typeof this.#assistantId === 'string' && this.#assistantId !== '' ? this.#assistantId : '-',
        promptHash: this.#hash ?? this.#inputHash(),
        userId: this.#options.userId,
        complianceStatus: 'FAILED',
        errorCode: code,
        ...this.#backendFields(),
      });
    } catch (auditError) {
      this.#options.logger.error(
        { err: errorSummary(auditError) },
        'audit entry for a failed injection could not be written',
      );
    }
  }

  /** The backend and, when known, the target version, for the audit entry. */
  #backendFields(): { backend: string; targetVersion?: string } {
    return {
      backend: this.#transport,
      ...(this.#targetVersion === undefined ? {} : { targetVersion: this.#targetVersion }),
    };
  }

  /** A hash identifying a prompt that failed before its payload existed (validation, login). */
  #inputHash(): string {
    try {
      return promptHash({ assistantId: this.#assistantId ?? null, template: this.#template ?? null });
    } catch {
      return sha256Hex(String(this.#assistantId));
    }
  }
}

function errorSummary(error: unknown): { name: string; code?: string } {
  if (error instanceof GenesysPromptError) return { name: error.name, code: error.code };
  return { name: error instanceof Error ? error.name : 'unknown' };
}
