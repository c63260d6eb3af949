/**
 * Prompts deployed as code: one template becomes one AI Studio guide version. Find the guide by name
 * (or create it), compare the content hash of its latest version with the template's, and only when
 * they differ write a version (patching a Draft in place, else creating a new one); then publish it and
 * poll the job to its end. A dry run stops after the comparison and reports the plan field by field.
 */
import type {
  GuideVersion,
  GuideVersionPublishJob,
  GuideVersionPublishState,
  GuideVersionState,
} from '../contract/guides.js';
import { TimeoutError, ValidationError } from '../errors.js';
import { abortableSleep, type Sleep } from '../timers/abortable-sleep.js';
import type { GuideDefinition } from './guide-definition.js';
import { GuidePublishError } from './guide-errors.js';
import { diffGuideVersion, guideContentHash, type GuideFieldChange } from './guide-version-diff.js';
import type { GuidesApi } from './guides-api.js';

/** What a deploy did (or, on a dry run, would do). */
export type GuideDeployAction =
  /** The latest version already holds this content and is published: nothing was sent. */
  | 'unchanged'
  /** The latest version holds this content but was not published yet: it was published. */
  | 'published'
  /** A new version was created (and the guide too when `guideCreated`). */
  | 'created'
  /** The latest version was a Draft; it was patched with this content. */
  | 'patched';

/** One step of a deploy, for a progress display. */
export type GuideDeployProgress =
  | { step: 'lookup'; name: string }
  | { step: 'guide-created'; guideId: string }
  | { step: 'compared'; changes: number }
  | { step: 'version-written'; version: string; action: 'created' | 'patched' }
  | { step: 'publishing'; version: string; jobId: string }
  | { step: 'polled'; jobId: string; status: GuideVersionPublishJob['status']; polls: number };

/** Options of `deployGuide`. */
export interface DeployGuideOptions {
  /** Compare and report only; send nothing that changes anything. */
  dryRun?: boolean;
  /** State the version is published to (default `ProductionReady`). */
  publishState?: GuideVersionPublishState;
  /** ms between reads of the publish job (default 1 000). */
  pollIntervalMs?: number;
  /** Longest wait for the publish job in ms (default 300 000). */
  publishTimeoutMs?: number;
  signal?: AbortSignal;
  /** Called at each step. */
  onProgress?: (progress: GuideDeployProgress) => void;
  /** Waiting between polls (tests inject one; default a real, abortable timer). */
  sleep?: Sleep;
}

/** The outcome of a deploy. */
export interface GuideDeployResult {
  name: string;
  /** Undefined only on a dry run that would create the guide. */
  guideId: string | undefined;
  /** The version holding the template's content (undefined on a dry run that would create one). */
  version: string | undefined;
  action: GuideDeployAction;
  guideCreated: boolean;
  dryRun: boolean;
  /** Field-by-field differences against the latest version before the deploy. */
  changes: GuideFieldChange[];
  /** SHA-256 content hash of the instruction and variables. */
  contentHash: string;
  /** The publish job, when one ran. */
  jobId: string | undefined;
}

/** Default ms between publish-job reads. */
export const DEFAULT_PUBLISH_POLL_MS = 1_000;
/** Default longest wait for a publish job. */
export const DEFAULT_PUBLISH_TIMEOUT_MS = 300_000;

/**
 * Deploys one guide definition.
 * @param api the Guides endpoints
 * @param definition what the template describes (`guideDefinitionFromTemplate`)
 * @param options dry run, publish state, polling, signal, progress
 * @throws ValidationError when the name matches several guides; GuidePublishError when the job
 *   fails; TimeoutError when it does not end in time; ApiError subclasses from the endpoints
 */
export async function deployGuide(
  api: GuidesApi,
  definition: GuideDefinition,
  options: DeployGuideOptions = {},
): Promise<GuideDeployResult> {
  const { signal, onProgress } = options;
  const call = { signal };
  const dryRun = options.dryRun ?? false;
  const target = options.publishState ?? 'ProductionReady';
  const content = { instruction: definition.instruction, variables: definition.variables };
  const contentHash = guideContentHash(content);
  const result = (
    partial: Partial<GuideDeployResult> & Pick<GuideDeployResult, 'action'>,
  ): GuideDeployResult => ({
    name: definition.name,
    guideId: undefined,
    version: undefined,
    guideCreated: false,
    dryRun,
    changes: [],
    contentHash,
    jobId: undefined,
    ...partial,
  });

  onProgress?.({ step: 'lookup', name: definition.name });
  const matches = await api.findGuidesByName(definition.name, call);
  if (matches.length > 1) {
    throw new ValidationError(
      'guide.name',
      `"${definition.name}" names ${matches.length} guides (${matches.map((g) => g.id).join(', ')})`,
      'rename or delete the extra guides in AI Studio, or deploy under another name with --guide',
    );
  }
  let guide = matches[0];
  let current: GuideVersion | undefined;
  const latest = guide?.latestSavedVersion?.version;
  if (guide !== undefined && latest !== undefined)
    current = await api.getGuideVersion(guide.id, latest, call);

  const changes = diffGuideVersion(content, current);
  onProgress?.({ step: 'compared', changes: changes.length });
  const same = current !== undefined && guideContentHash(current) === contentHash;
  if (same && current !== undefined && guide !== undefined) {
    if (satisfies(current.state, target)) {
      return result({ action: 'unchanged', guideId: guide.id, version: current.version });
    }
    if (dryRun) return result({ action: 'published', guideId: guide.id, version: current.version });
    const jobId = await publish(api, guide.id, current.version, target, options);
    return result({ action: 'published', guideId: guide.id, version: current.version, jobId });
  }

  const writesDraft = current?.state === 'Draft';
  if (dryRun) {
    return result({
      action: writesDraft ? 'patched' : 'created',
      guideId: guide?.id,
      version: writesDraft ? current?.version : undefined,
      guideCreated: guide === undefined,
      changes,
    });
  }
  let guideCreated = false;
  if (guide === undefined) {
    guide = await api.createGuide({ name: definition.name, source: definition.source }, call);
    guideCreated = true;
    onProgress?.({ step: 'guide-created', guideId: guide.id });
  }
  const written =
    writesDraft && current !== undefined
      ? await api.patchGuideVersion(guide.id, current.version, content, call)
      : await api.createGuideVersion(guide.id, content, call);
  const action = writesDraft ? 'patched' : 'created';
  onProgress?.({ step: 'version-written', version: written.version, action });
  const jobId = await publish(api, guide.id, written.version, target, options);
  return result({ action, guideId: guide.id, version: written.version, guideCreated, changes, jobId });
}

/** True when a version in `state` needs no publishing to reach `target`. */
function satisfies(state: GuideVersionState | undefined, target: GuideVersionPublishState): boolean {
  return state === 'ProductionReady' || state === target;
}

/** Starts the publish job and reads it until it ends; returns its id. */
async function publish(
  api: GuidesApi,
  guideId: string,
  version: string,
  state: GuideVersionPublishState,
  options: DeployGuideOptions,
): Promise<string> {
  const { signal, onProgress } = options;
  const sleep = options.sleep ?? abortableSleep;
  const interval = Math.max(0, options.pollIntervalMs ?? DEFAULT_PUBLISH_POLL_MS);
  const timeout = options.publishTimeoutMs ?? DEFAULT_PUBLISH_TIMEOUT_MS;
  let job = await api.startPublishJob(guideId, version, state, { signal });
  onProgress?.({ step: 'publishing', version, jobId: job.id });
  const started = Date.now();
  let polls = 0;
  while (job.status === 'InProgress') {
    if (Date.now() - started >= timeout) {
      throw new TimeoutError(
        `publish job ${job.id} of guide ${guideId} version ${version} did not end within ${timeout} ms (publishTimeoutMs); check it in AI Studio, then deploy again`,
      );
    }
    await sleep(interval, signal);
    job = await api.getPublishJob(guideId, version, job.id, { signal });
    polls += 1;
    onProgress?.({ step: 'polled', jobId: job.id, status: job.status, polls });
  }
  if (job.status === 'Failed') {
    throw new GuidePublishError({
      guideId,
      version,
      jobId: job.id,
      reasons: (job.errors ?? []).map((e) => e.message ?? e.code ?? 'unknown').filter((m) => m !== ''),
    });
  }
  return job.id;
}
