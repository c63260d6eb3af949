/**
 * The emulator's AI Studio guides, their versions and publish jobs, in memory. A publish job finishes
 * after a fixed number of reads (not after a wall-clock delay), so tests are deterministic; an
 * instruction holding `GUIDE_TRIGGERS.publishFail` makes its publish job fail with a reason.
 */
import { randomUUID } from 'node:crypto';
import {
  GUIDE_PATHS,
  type CreateGuide,
  type CreateGuideVersion,
  type Guide,
  type GuideSource,
  type GuideVariable,
  type GuideVersion,
  type GuideVersionPublishJob,
  type GuideVersionPublishState,
  type GuideVersionState,
  type UpdateGuideVersion,
} from '../contract/guides.js';
import { GUIDE_TRIGGERS } from './guides-triggers.js';

/** Most guides one emulator holds. */
export const MAX_EMULATOR_GUIDES = 1000;
/** Most versions one guide holds. */
export const MAX_VERSIONS_PER_GUIDE = 1000;

/** One version of a guide. */
export interface GuideVersionRecord {
  version: string;
  instruction: string;
  variables: GuideVariable[];
  resources: CreateGuideVersion['resources'];
  knowledgeSettings: CreateGuideVersion['knowledgeSettings'];
  state: GuideVersionState;
  dateCreated: string;
  dateModified: string;
}

/** One guide. */
export interface GuideRecord {
  id: string;
  name: string;
  source: GuideSource;
  dateCreated: string;
  dateModified: string;
  versions: Map<string, GuideVersionRecord>;
  latestSaved: string | undefined;
  latestProductionReady: string | undefined;
}

interface PublishJobRecord {
  id: string;
  guideId: string;
  version: string;
  state: GuideVersionPublishState;
  readsLeft: number;
  status: GuideVersionPublishJob['status'];
  errors: NonNullable<GuideVersionPublishJob['errors']>;
}

/** Why a store operation was refused; the operations layer turns it into a Genesys error. */
export class GuideStoreError extends Error {
  /** 400 or 404. */
  readonly status: 400 | 404;
  /** The field at fault, named in `details`. */
  readonly field: string | undefined;
  constructor(status: 400 | 404, message: string, field?: string) {
    super(message);
    this.name = 'GuideStoreError';
    this.status = status;
    this.field = field;
  }
}

/** Query of `GET /api/v2/guides`, parsed. */
export interface GuideListQuery {
  name?: string;
  nameContains?: string;
  status?: 'Published' | 'Draft';
  sortBy: 'dateModified' | 'name' | 'status';
  sortOrder: 'asc' | 'desc';
  pageNumber: number;
  pageSize: number;
}

/** Guides, versions and publish jobs of one emulator. */
export class GuideStore {
  readonly #guides = new Map<string, GuideRecord>();
  readonly #jobs = new Map<string, PublishJobRecord>();
  readonly #publishReads: number;
  /** Counters for `stats()`. */
  readonly counts = { guidesCreated: 0, versionsCreated: 0, publishJobs: 0 };

  /** @param publishReads reads of a publish job that answer `InProgress` before it finishes (0 or more) */
  constructor(publishReads: number) {
    this.#publishReads = Math.max(0, Math.floor(publishReads));
  }

  /** `POST /api/v2/guides`. */
  create(body: CreateGuide, now = new Date()): Guide {
    if (this.#guides.size >= MAX_EMULATOR_GUIDES) {
      throw new GuideStoreError(400, `The emulator holds at most ${MAX_EMULATOR_GUIDES} guides.`);
    }
    const stamp = now.toISOString();
    const record: GuideRecord = {
      id: randomUUID(),
      name: body.name,
      source: body.source,
      dateCreated: stamp,
      dateModified: stamp,
      versions: new Map(),
      latestSaved: undefined,
      latestProductionReady: undefined,
    };
    this.#guides.set(record.id, record);
    this.counts.guidesCreated += 1;
    return guideView(record);
  }

  /** `GET /api/v2/guides`: filtered, sorted and paged. */
  list(query: GuideListQuery): { entities: Guide[]; total: number } {
    const name = query.name?.toLowerCase();
    const contains = query.nameContains?.toLowerCase();
    const matching = [...this.#guides.values()]
      .filter((g) => name === undefined || g.name.toLowerCase() === name)
      .filter((g) => contains === undefined || g.name.toLowerCase().includes(contains))
      .filter((g) => query.status === undefined || statusOf(g) === query.status);
    const key = (g: GuideRecord): string =>
      query.sortBy === 'name'
        ? g.name.toLowerCase()
        : query.sortBy === 'status'
          ? statusOf(g)
          : g.dateModified;
    const direction = query.sortOrder === 'asc' ? 1 : -1;
    matching.sort((a, b) => direction * (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : a.id < b.id ? -1 : 1));
    const start = (query.pageNumber - 1) * query.pageSize;
    return {
      entities: matching.slice(start, start + query.pageSize).map(guideView),
      total: matching.length,
    };
  }

  /** The guide with `id`; 404 when unknown. */
  guide(id: string): GuideRecord {
    const guide = this.#guides.get(id);
    if (guide === undefined) throw new GuideStoreError(404, `Guide ${id} was not found.`);
    return guide;
  }

  /** `GET /api/v2/guides/{guideId}`. */
  view(id: string): Guide {
    return guideView(this.guide(id));
  }

  /** `POST .../versions`: a new Draft version, numbered after the last. */
  createVersion(guideId: string, body: CreateGuideVersion, now = new Date()): GuideVersion {
    const guide = this.guide(guideId);
    if (guide.versions.size >= MAX_VERSIONS_PER_GUIDE) {
      throw new GuideStoreError(
        400,
        `A guide holds at most ${MAX_VERSIONS_PER_GUIDE} versions in the emulator.`,
      );
    }
    checkVariableNames(body.variables ?? []);
    const stamp = now.toISOString();
    const record: GuideVersionRecord = {
      version: String(guide.versions.size + 1),
      instruction: body.instruction,
      variables: body.variables ?? [],
      resources: body.resources,
      knowledgeSettings: body.knowledgeSettings,
      state: 'Draft',
      dateCreated: stamp,
      dateModified: stamp,
    };
    guide.versions.set(record.version, record);
    guide.latestSaved = record.version;
    guide.dateModified = stamp;
    this.counts.versionsCreated += 1;
    return versionView(guide, record);
  }

  /** The version `versionId` of a guide; 404 when unknown. */
  version(guideId: string, versionId: string): { guide: GuideRecord; version: GuideVersionRecord } {
    const guide = this.guide(guideId);
    const version = guide.versions.get(versionId);
    if (version === undefined) {
      throw new GuideStoreError(404, `Version ${versionId} of guide ${guideId} was not found.`);
    }
    return { guide, version };
  }

  /** `GET .../versions/{versionId}`. */
  versionView(guideId: string, versionId: string): GuideVersion {
    const { guide, version } = this.version(guideId, versionId);
    return versionView(guide, version);
  }

  /** `PATCH .../versions/{versionId}`: only a Draft can change. */
  patchVersion(guideId: string, versionId: string, body: UpdateGuideVersion, now = new Date()): GuideVersion {
    const { guide, version } = this.version(guideId, versionId);
    if (version.state !== 'Draft') {
      throw new GuideStoreError(
        400,
        `Version ${versionId} is ${version.state}; only a Draft version can be changed (create a new version).`,
        'state',
      );
    }
    if (body.variables !== undefined) checkVariableNames(body.variables);
    if (body.instruction !== undefined) version.instruction = body.instruction;
    if (body.variables !== undefined) version.variables = body.variables;
    if (body.resources !== undefined) version.resources = body.resources;
    if (body.knowledgeSettings !== undefined) version.knowledgeSettings = body.knowledgeSettings;
    version.dateModified = now.toISOString();
    guide.dateModified = version.dateModified;
    return versionView(guide, version);
  }

  /** `POST .../versions/{versionId}/jobs`: starts publishing to `state`. */
  startPublish(guideId: string, versionId: string, state: GuideVersionPublishState): GuideVersionPublishJob {
    const { guide, version } = this.version(guideId, versionId);
    const fails = version.instruction.includes(GUIDE_TRIGGERS.publishFail);
    const job: PublishJobRecord = {
      id: randomUUID(),
      guideId: guide.id,
      version: version.version,
      state,
      readsLeft: this.#publishReads,
      status: 'InProgress',
      errors: fails
        ? [
            {
              code: 'guide.version.publish.failed',
              message: `Version ${version.version} failed validation: the instruction holds an unsupported directive.`,
              status: 400,
            },
          ]
        : [],
    };
    this.#jobs.set(job.id, job);
    this.counts.publishJobs += 1;
    if (job.readsLeft === 0) this.#finish(job);
    return this.#jobView(job);
  }

  /** `GET .../versions/{versionId}/jobs/{jobId}`: each read brings the job closer to its end. */
  readJob(guideId: string, versionId: string, jobId: string): GuideVersionPublishJob {
    const job = this.#jobs.get(jobId);
    if (job === undefined || job.guideId !== guideId || job.version !== versionId) {
      throw new GuideStoreError(
        404,
        `Publish job ${jobId} of guide ${guideId} version ${versionId} was not found.`,
      );
    }
    if (job.status === 'InProgress') {
      job.readsLeft -= 1;
      if (job.readsLeft <= 0) this.#finish(job);
    }
    return this.#jobView(job);
  }

  #finish(job: PublishJobRecord, now = new Date()): void {
    if (job.errors.length > 0) {
      job.status = 'Failed';
      return;
    }
    const guide = this.#guides.get(job.guideId);
    const version = guide?.versions.get(job.version);
    if (guide === undefined || version === undefined) {
      job.status = 'Failed';
      job.errors.push({ code: 'not.found', message: 'The guide or version was removed.', status: 404 });
      return;
    }
    version.state = job.state;
    version.dateModified = now.toISOString();
    guide.dateModified = version.dateModified;
    if (job.state === 'ProductionReady') guide.latestProductionReady = version.version;
    job.status = 'Succeeded';
  }

  #jobView(job: PublishJobRecord): GuideVersionPublishJob {
    const guide = this.#guides.get(job.guideId);
    const version = guide?.versions.get(job.version);
    return {
      id: job.id,
      status: job.status,
      ...(job.errors.length > 0 && job.status === 'Failed' ? { errors: job.errors } : {}),
      guide: { id: job.guideId, selfUri: fill(GUIDE_PATHS.guide, { guideId: job.guideId }) },
      ...(guide && version ? { guideVersion: versionView(guide, version) } : {}),
      selfUri: fill(GUIDE_PATHS.versionJob, { guideId: job.guideId, versionId: job.version, jobId: job.id }),
    };
  }
}

/** `Published` once a version reached ProductionReady, else `Draft`. */
function statusOf(guide: GuideRecord): 'Published' | 'Draft' {
  return guide.latestProductionReady === undefined ? 'Draft' : 'Published';
}

function checkVariableNames(variables: readonly GuideVariable[]): void {
  const seen = new Set<string>();
  for (const variable of variables) {
    if (seen.has(variable.name)) {
      throw new GuideStoreError(400, `Variable "${variable.name}" is declared twice.`, 'variables');
    }
    seen.add(variable.name);
  }
}

function guideView(guide: GuideRecord): Guide {
  const ref = (version: string | undefined): Guide['latestSavedVersion'] =>
    version === undefined
      ? undefined
      : { version, selfUri: fill(GUIDE_PATHS.version, { guideId: guide.id, versionId: version }) };
  const saved = ref(guide.latestSaved);
  const ready = ref(guide.latestProductionReady);
  return {
    id: guide.id,
    name: guide.name,
    status: statusOf(guide),
    source: guide.source,
    dateCreated: guide.dateCreated,
    dateModified: guide.dateModified,
    selfUri: fill(GUIDE_PATHS.guide, { guideId: guide.id }),
    ...(saved ? { latestSavedVersion: saved } : {}),
    ...(ready ? { latestProductionReadyVersion: ready } : {}),
  };
}

function versionView(guide: GuideRecord, version: GuideVersionRecord): GuideVersion {
  return {
    selfUri: fill(GUIDE_PATHS.version, { guideId: guide.id, versionId: version.version }),
    guide: { id: guide.id, selfUri: fill(GUIDE_PATHS.guide, { guideId: guide.id }) },
    version: version.version,
    instruction: version.instruction,
    state: version.state,
    dateCreated: version.dateCreated,
    dateModified: version.dateModified,
    variables: version.variables,
    ...(version.resources === undefined ? {} : { resources: version.resources }),
    ...(version.knowledgeSettings === undefined ? {} : { knowledgeSettings: version.knowledgeSettings }),
  };
}

/** A path template with its parameters filled in (percent-encoded). */
function fill(template: string, params: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) =>
    params[name] === undefined ? whole : encodeURIComponent(params[name]),
  );
}
