/**
 * What each AI Studio Guides operation does once the request is authenticated, paced and authorised:
 * the body is checked against the shared contract (the SDK's field names and enums), the store or the
 * sessions act, and the reply is returned for the HTTP layer to write.
 */
import type { z } from 'zod';
import {
  CreateGuideSchema,
  CreateGuideVersionSchema,
  GuideSessionTurnRequestSchema,
  GuideVersionPublishJobRequestSchema,
  MAX_GUIDES_PAGE_SIZE,
  MAX_GUIDE_SESSION_ID_LENGTH,
  UpdateGuideVersionSchema,
  type GuideEntityListing,
  type GuideSessionTurnRequest,
} from '../contract/guides.js';
import { EmulatorHttpError, ERROR_CODES, parseJsonBody, validationError } from './http-replies.js';
import type { GuideRoute } from './guides-routes.js';
import type { GuideSessions } from './guides-sessions.js';
import { GuideStoreError, type GuideListQuery, type GuideStore } from './guides-store.js';

/** The Guides state an operation works on. */
export interface GuidesContext {
  store: GuideStore;
  sessions: GuideSessions;
}

/** One authenticated Guides request. */
export interface GuideRequest {
  route: Pick<GuideRoute, 'operation' | 'params'>;
  body: string;
  query: URLSearchParams;
}

/** Runs a Guides operation; throws `EmulatorHttpError` for 4xx answers. */
export function runGuideOperation(
  context: GuidesContext,
  request: GuideRequest,
): { status: number; body: unknown } {
  try {
    return { status: 200, body: dispatch(context, request) };
  } catch (error) {
    if (error instanceof GuideStoreError) {
      const code = error.status === 404 ? ERROR_CODES.notFound : ERROR_CODES.badRequest;
      throw new EmulatorHttpError(error.status, code, error.message, {
        details:
          error.field === undefined
            ? []
            : [{ errorCode: 'invalid', fieldName: error.field, errorMessage: error.message }],
      });
    }
    throw error;
  }
}

function dispatch(context: GuidesContext, request: GuideRequest): unknown {
  const { store } = context;
  const { guideId = '', versionId = '', jobId = '', guideSessionId = '' } = request.route.params;
  switch (request.route.operation) {
    case 'getGuides':
      return listing(store, parseListQuery(request.query));
    case 'postGuides':
      return store.create(parse(CreateGuideSchema, request.body, 'guide'));
    case 'getGuide':
      return store.view(guideId);
    case 'postGuideVersions':
      return store.createVersion(guideId, parse(CreateGuideVersionSchema, request.body, 'guide version'));
    case 'getGuideVersion':
      return store.versionView(guideId, versionId);
    case 'patchGuideVersion':
      return store.patchVersion(
        guideId,
        versionId,
        parse(UpdateGuideVersionSchema, request.body, 'guide version update'),
      );
    case 'postGuideVersionJobs': {
      const body = parse(GuideVersionPublishJobRequestSchema, request.body, 'publish job request');
      return store.startPublish(guideId, versionId, body.guideVersion.state);
    }
    case 'getGuideVersionJob':
      return store.readJob(guideId, versionId, jobId);
    case 'postGuideSessionTurns':
      return turn(
        context,
        guideId,
        guideSessionId,
        parse(GuideSessionTurnRequestSchema, request.body, 'turn request'),
      );
  }
}

function turn(
  context: GuidesContext,
  guideId: string,
  guideSessionId: string,
  body: GuideSessionTurnRequest,
): unknown {
  if (guideSessionId.length > MAX_GUIDE_SESSION_ID_LENGTH || !/^[\w.-]+$/.test(guideSessionId)) {
    throw new GuideStoreError(
      400,
      `guideSessionId must be 1..${MAX_GUIDE_SESSION_ID_LENGTH} letters, digits, '-', '_' or '.' (a UUID is usual).`,
      'guideSessionId',
    );
  }
  const guide = context.store.guide(guideId);
  const version = guide.versions.get(body.version);
  if (version === undefined) {
    throw new GuideStoreError(400, `Guide ${guideId} has no version "${body.version}".`, 'version');
  }
  if (version.state === 'Draft') {
    throw new GuideStoreError(
      400,
      `Version ${body.version} of guide ${guideId} is a Draft; publish it (TestReady or ProductionReady) before starting sessions.`,
      'version',
    );
  }
  const inputs = new Set(
    version.variables.filter((v) => v.scope === 'Input' || v.scope === 'InputAndOutput').map((v) => v.name),
  );
  (body.inputVariables ?? []).forEach((variable, index) => {
    if (!inputs.has(variable.name)) {
      throw new GuideStoreError(
        400,
        `Variable "${variable.name}" is not an input variable of version ${body.version} (inputs: ${[...inputs].join(', ') || 'none'}).`,
        `inputVariables.${index}.name`,
      );
    }
  });
  return context.sessions.turn(
    guideId,
    guideSessionId,
    {
      instruction: version.instruction,
      variables: version.variables,
      dataActions: version.resources?.dataActions ?? [],
    },
    body,
  );
}

function listing(store: GuideStore, query: GuideListQuery): GuideEntityListing {
  const { entities, total } = store.list(query);
  const pageCount = Math.max(1, Math.ceil(total / query.pageSize));
  const uri = (page: number): string => `/api/v2/guides?pageSize=${query.pageSize}&pageNumber=${page}`;
  return {
    entities,
    pageSize: query.pageSize,
    pageNumber: query.pageNumber,
    total,
    pageCount,
    selfUri: uri(query.pageNumber),
    firstUri: uri(1),
    lastUri: uri(pageCount),
    ...(query.pageNumber < pageCount ? { nextUri: uri(query.pageNumber + 1) } : {}),
    ...(query.pageNumber > 1 ? { previousUri: uri(query.pageNumber - 1) } : {}),
  };
}

function parseListQuery(query: URLSearchParams): GuideListQuery {
  const problems: Array<{ path: string[]; message: string }> = [];
  const whole = (name: string, fallback: number, min: number, max: number): number => {
    const raw = query.get(name);
    if (raw === null) return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      problems.push({ path: [name], message: `must be a whole number from ${min} to ${max}` });
      return fallback;
    }
    return value;
  };
  const oneOf = <T extends string>(
    name: string,
    allowed: readonly T[],
    fallback: T | undefined,
  ): T | undefined => {
    const raw = query.get(name);
    if (raw === null) return fallback;
    if ((allowed as readonly string[]).includes(raw)) return raw as T;
    problems.push({ path: [name], message: `must be one of ${allowed.join(', ')}` });
    return fallback;
  };
  const parsed: GuideListQuery = {
    sortBy: oneOf('sortBy', ['dateModified', 'name', 'status'] as const, 'dateModified') ?? 'dateModified',
    sortOrder: oneOf('sortOrder', ['asc', 'desc'] as const, 'desc') ?? 'desc',
    pageNumber: whole('pageNumber', 1, 1, 1_000_000),
    pageSize: whole('pageSize', 25, 1, MAX_GUIDES_PAGE_SIZE),
  };
  const status = oneOf('status', ['Published', 'Draft'] as const, undefined);
  if (status !== undefined) parsed.status = status;
  const name = query.get('name');
  if (name !== null && name !== '') parsed.name = name;
  const nameContains = query.get('nameContains');
  if (nameContains !== null && nameContains !== '') parsed.nameContains = nameContains;
  if (problems.length > 0) throw validationError('guide listing query', problems);
  return parsed;
}

function parse<T>(schema: z.ZodType<T>, body: string, what: string): T {
  const parsed = schema.safeParse(parseJsonBody(body));
  if (!parsed.success) throw validationError(what, parsed.error.issues);
  return parsed.data;
}
