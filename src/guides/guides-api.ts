/**
 * The AI Studio Guides endpoints (SDK `AIStudioApi`, v262), each sent through the shared REST pipeline
 * (token, pacing, retries, 401 re-login, typed errors) and each answer checked against the shared
 * contract. A 403 names the OAuth scope and the Genesys permission the endpoint needs.
 */
import {
  GUIDE_PATHS,
  GUIDE_PERMISSIONS,
  GuideEntityListingSchema,
  GuideSchema,
  GuideSessionTurnResponseSchema,
  GuideVersionPublishJobSchema,
  GuideVersionSchema,
  MAX_GUIDES_PAGE_SIZE,
  SCOPE_AI_STUDIO,
  type CreateGuide,
  type CreateGuideVersion,
  type Guide,
  type GuideSessionTurnRequest,
  type GuideSessionTurnResponse,
  type GuideVersion,
  type GuideVersionPublishJob,
  type GuideVersionPublishState,
  type UpdateGuideVersion,
} from '../contract/guides.js';
import { InvalidResponseError } from '../errors.js';
import type { CallOptions, RestCaller, RestRequest } from '../http/rest-request.js';

/** Per-call options of the Guides endpoints. */
export type GuidesCallOptions = CallOptions;

/** Most pages of `GET /api/v2/guides` read when looking a name up (100 guides a page). */
export const MAX_GUIDE_LOOKUP_PAGES = 20;

const need = (permission: string): string => `${SCOPE_AI_STUDIO}, permission ${permission}`;

/** The Guides endpoints of one injector or CLI run. */
export class GuidesApi {
  readonly #rest: RestCaller;

  /** @param rest the shared REST pipeline */
  constructor(rest: RestCaller) {
    this.#rest = rest;
  }

  /**
   * Every guide whose name is `name` (case-insensitive, as Genesys filters), across pages.
   * @throws InvalidResponseError when the listing has more than `MAX_GUIDE_LOOKUP_PAGES` pages
   */
  async findGuidesByName(name: string, options: GuidesCallOptions = {}): Promise<Guide[]> {
    const found: Guide[] = [];
    const wanted = name.toLowerCase();
    for (let pageNumber = 1; ; pageNumber++) {
      const { value } = await this.#rest.call(
        {
          method: 'GET',
          path: GUIDE_PATHS.guides,
          pathParams: {},
          query: { name, pageSize: MAX_GUIDES_PAGE_SIZE, pageNumber },
          scope: need(GUIDE_PERMISSIONS.getGuides),
          schema: GuideEntityListingSchema,
        },
        options,
      );
      found.push(...value.entities.filter((g) => g.name.toLowerCase() === wanted));
      const pageCount = value.pageCount ?? 1;
      if (pageNumber >= pageCount || value.entities.length === 0) return found;
      if (pageNumber >= MAX_GUIDE_LOOKUP_PAGES) {
        throw new InvalidResponseError(
          `GET ${GUIDE_PATHS.guides}?name=${name} has more than ${MAX_GUIDE_LOOKUP_PAGES} pages of ${MAX_GUIDES_PAGE_SIZE}; rename the guide so its name is unique`,
          { status: 200, code: 'guide.lookup.too.large' },
        );
      }
    }
  }

  /** `GET /api/v2/guides/{guideId}` (`getGuide`). */
  async getGuide(guideId: string, options: GuidesCallOptions = {}): Promise<Guide> {
    return this.#value(
      {
        method: 'GET',
        path: GUIDE_PATHS.guide,
        pathParams: { guideId },
        scope: need(GUIDE_PERMISSIONS.getGuide),
        schema: GuideSchema,
      },
      options,
    );
  }

  /** `POST /api/v2/guides` (`postGuides`). */
  async createGuide(body: CreateGuide, options: GuidesCallOptions = {}): Promise<Guide> {
    return this.#value(
      {
        method: 'POST',
        path: GUIDE_PATHS.guides,
        pathParams: {},
        body,
        scope: need(GUIDE_PERMISSIONS.postGuides),
        schema: GuideSchema,
      },
      options,
    );
  }

  /** `GET .../versions/{versionId}` (`getGuideVersion`). */
  async getGuideVersion(
    guideId: string,
    versionId: string,
    options: GuidesCallOptions = {},
  ): Promise<GuideVersion> {
    return this.#value(
      {
        method: 'GET',
        path: GUIDE_PATHS.version,
        pathParams: { guideId, versionId },
        scope: need(GUIDE_PERMISSIONS.getGuideVersion),
        schema: GuideVersionSchema,
      },
      options,
    );
  }

  /** `POST .../versions` (`postGuideVersions`). */
  async createGuideVersion(
    guideId: string,
    body: CreateGuideVersion,
    options: GuidesCallOptions = {},
  ): Promise<GuideVersion> {
    return this.#value(
      {
        method: 'POST',
        path: GUIDE_PATHS.versions,
        pathParams: { guideId },
        body,
        scope: need(GUIDE_PERMISSIONS.postGuideVersions),
        schema: GuideVersionSchema,
      },
      options,
    );
  }

  /** `PATCH .../versions/{versionId}` (`patchGuideVersion`). */
  async patchGuideVersion(
    guideId: string,
    versionId: string,
    body: UpdateGuideVersion,
    options: GuidesCallOptions = {},
  ): Promise<GuideVersion> {
    return this.#value(
      {
        method: 'PATCH',
        path: GUIDE_PATHS.version,
        pathParams: { guideId, versionId },
        body,
        scope: need(GUIDE_PERMISSIONS.patchGuideVersion),
        schema: GuideVersionSchema,
      },
      options,
    );
  }

  /** `POST .../versions/{versionId}/jobs` (`postGuideVersionJobs`): starts publishing to `state`. */
  async startPublishJob(
    guideId: string,
    versionId: string,
    state: GuideVersionPublishState,
    options: GuidesCallOptions = {},
  ): Promise<GuideVersionPublishJob> {
    return this.#value(
      {
        method: 'POST',
        path: GUIDE_PATHS.versionJobs,
        pathParams: { guideId, versionId },
        body: { guideVersion: { state } },
        scope: need(GUIDE_PERMISSIONS.postGuideVersionJobs),
        schema: GuideVersionPublishJobSchema,
      },
      options,
    );
  }

  /** `GET .../versions/{versionId}/jobs/{jobId}` (`getGuideVersionJob`). */
  async getPublishJob(
    guideId: string,
    versionId: string,
    jobId: string,
    options: GuidesCallOptions = {},
  ): Promise<GuideVersionPublishJob> {
    return this.#value(
      {
        method: 'GET',
        path: GUIDE_PATHS.versionJob,
        pathParams: { guideId, versionId, jobId },
        scope: need(GUIDE_PERMISSIONS.getGuideVersionJob),
        schema: GuideVersionPublishJobSchema,
      },
      options,
    );
  }

  /**
   * `POST .../sessions/{guideSessionId}/turns` (`postGuideSessionTurns`): one turn, answered whole.
   * @returns the answer and the retries it took
   */
  postTurn(
    guideId: string,
    guideSessionId: string,
    body: GuideSessionTurnRequest,
    options: GuidesCallOptions = {},
  ): Promise<{ value: GuideSessionTurnResponse; retries: number }> {
    return this.#rest.call(
      {
        method: 'POST',
        path: GUIDE_PATHS.sessionTurns,
        pathParams: { guideId, guideSessionId },
        body,
        scope: need(GUIDE_PERMISSIONS.postGuideSessionTurns),
        schema: GuideSessionTurnResponseSchema,
      },
      options,
    );
  }

  async #value<T>(request: RestRequest<T>, options: GuidesCallOptions): Promise<T> {
    return (await this.#rest.call(request, options)).value;
  }
}
