/**
 * The AI Studio Guides routes of the emulator: which `/api/v2/guides...` path a request matches, the
 * operation it names (the SDK's method name) and the scopes that allow it. Reads accept `ai-studio` or
 * `ai-studio:readonly`; writes need `ai-studio`, as on Genesys Cloud.
 */
import { GUIDE_PATHS, SCOPE_AI_STUDIO, SCOPE_AI_STUDIO_READONLY } from '../contract/guides.js';

/** The Guides operations the emulator serves, named as `AIStudioApi`'s methods. */
export type GuideOperation =
  | 'getGuides'
  | 'postGuides'
  | 'getGuide'
  | 'postGuideVersions'
  | 'getGuideVersion'
  | 'patchGuideVersion'
  | 'postGuideVersionJobs'
  | 'getGuideVersionJob'
  | 'postGuideSessionTurns';

/** Path parameters of a Guides route. */
export interface GuideRouteParams {
  guideId?: string;
  versionId?: string;
  jobId?: string;
  guideSessionId?: string;
}

/** A request matched to a Guides operation. */
export interface GuideRoute {
  operation: GuideOperation;
  /** `METHOD /path/{param}`, the key of `requestsByRoute`. */
  key: string;
  /** The scope named in a 403 (the write scope). */
  scope: string;
  /** Any one of these allows the request. */
  scopes: readonly string[];
  params: GuideRouteParams;
}

const READ = [SCOPE_AI_STUDIO, SCOPE_AI_STUDIO_READONLY] as const;
const WRITE = [SCOPE_AI_STUDIO] as const;

/**
 * Matches a request under `/api/v2/guides`.
 * @param method the HTTP method
 * @param rest the decoded path segments after `/api/v2/guides`
 * @returns the route, or undefined for a path or method the emulator does not serve
 */
export function matchGuideRoute(method: string, rest: readonly string[]): GuideRoute | undefined {
  const [guideId, section, sub, action, jobId] = rest;
  if (rest.length === 0) {
    if (method === 'GET') return route('getGuides', method, GUIDE_PATHS.guides, READ, {});
    if (method === 'POST') return route('postGuides', method, GUIDE_PATHS.guides, WRITE, {});
    return undefined;
  }
  if (rest.length === 1 && method === 'GET') {
    return route('getGuide', method, GUIDE_PATHS.guide, READ, { guideId });
  }
  if (section === 'versions') {
    if (rest.length === 2 && method === 'POST') {
      return route('postGuideVersions', method, GUIDE_PATHS.versions, WRITE, { guideId });
    }
    const params = { guideId, versionId: sub };
    if (rest.length === 3 && method === 'GET') {
      return route('getGuideVersion', method, GUIDE_PATHS.version, READ, params);
    }
    if (rest.length === 3 && method === 'PATCH') {
      return route('patchGuideVersion', method, GUIDE_PATHS.version, WRITE, params);
    }
    if (action === 'jobs' && rest.length === 4 && method === 'POST') {
      return route('postGuideVersionJobs', method, GUIDE_PATHS.versionJobs, WRITE, params);
    }
    if (action === 'jobs' && rest.length === 5 && method === 'GET') {
      return route('getGuideVersionJob', method, GUIDE_PATHS.versionJob, READ, { ...params, jobId });
    }
    return undefined;
  }
  if (section === 'sessions' && action === 'turns' && rest.length === 4 && method === 'POST') {
    return route('postGuideSessionTurns', method, GUIDE_PATHS.sessionTurns, WRITE, {
      guideId,
      guideSessionId: sub,
    });
  }
  return undefined;
}

function route(
  operation: GuideOperation,
  method: string,
  path: string,
  scopes: readonly string[],
  params: GuideRouteParams,
): GuideRoute {
  return { operation, key: `${method} ${path}`, scope: SCOPE_AI_STUDIO, scopes, params };
}

/** True when `operation` is one of the Guides operations. */
export function isGuideOperation(operation: string): operation is GuideOperation {
  return GUIDE_OPERATIONS.has(operation);
}

const GUIDE_OPERATIONS: ReadonlySet<string> = new Set<GuideOperation>([
  'getGuides',
  'postGuides',
  'getGuide',
  'postGuideVersions',
  'getGuideVersion',
  'patchGuideVersion',
  'postGuideVersionJobs',
  'getGuideVersionJob',
  'postGuideSessionTurns',
]);
