/**
 * The AI Studio Guides contract (real Genesys Cloud API; `AIStudioApi` of `purecloud-platform-client-v2`
 * 262), written once for the client and the emulator. Field names and enum values are the SDK's: the
 * models `Guide`, `CreateGuide`, `GuideVersion`, `CreateGuideVersion`, `UpdateGuideVersion`, `Variable`,
 * `GuideVersionPublishJobRequest`, `GuideVersionPublishJob`, `GuideSessionTurnRequest` and
 * `GuideSessionTurnResponse`. Answers are parsed leniently (unknown fields pass, as the SDK allows new
 * ones); requests the emulator receives are checked strictly, so a misspelt field fails loudly.
 */
import { z } from 'zod';
import { ErrorBodySchema } from './errors.js';

/** OAuth scope of every Guides operation (Genesys `ai-studio`). */
export const SCOPE_AI_STUDIO = 'ai-studio';
/** OAuth scope that allows the Guides reads only (Genesys `ai-studio:readonly`). */
export const SCOPE_AI_STUDIO_READONLY = 'ai-studio:readonly';

/** The SDK version whose `AIStudioApi` this contract follows. */
export const GUIDES_SDK_VERSION = '262.0.0';

/** Genesys permission each Guides operation needs, by SDK method name. */
export const GUIDE_PERMISSIONS = {
  getGuides: 'aiStudio:guide:view',
  getGuide: 'aiStudio:guide:view',
  postGuides: 'aiStudio:guide:add',
  getGuideVersion: 'aiStudio:guideVersion:view',
  postGuideVersions: 'aiStudio:guideVersion:add',
  patchGuideVersion: 'aiStudio:guideVersion:edit',
  postGuideVersionJobs: 'aiStudio:guideVersionJob:add',
  getGuideVersionJob: 'aiStudio:guideVersionJob:view',
  postGuideSessionTurns: 'aiStudio:guideSessionTurn:add',
} as const;

/** Path templates (`{name}` parameters, as the SDK's `callApi` takes them). */
export const GUIDE_PATHS = {
  guides: '/api/v2/guides',
  guide: '/api/v2/guides/{guideId}',
  versions: '/api/v2/guides/{guideId}/versions',
  version: '/api/v2/guides/{guideId}/versions/{versionId}',
  versionJobs: '/api/v2/guides/{guideId}/versions/{versionId}/jobs',
  versionJob: '/api/v2/guides/{guideId}/versions/{versionId}/jobs/{jobId}',
  sessionTurns: '/api/v2/guides/{guideId}/sessions/{guideSessionId}/turns',
} as const;

/** Largest `pageSize` of `GET /api/v2/guides` (the SDK documents 100). */
export const MAX_GUIDES_PAGE_SIZE = 100;

// ---------------------------------------------------------------- enums (SDK values)

/** `Guide.status`. */
export const GuideStatusSchema = z.enum(['Published', 'Draft']);
export type GuideStatus = z.infer<typeof GuideStatusSchema>;

/** `Guide.source` / `CreateGuide.source`: how the guide content was made. */
export const GuideSourceSchema = z.enum(['Manual', 'Prompt', 'Document', 'Transcripts']);
export type GuideSource = z.infer<typeof GuideSourceSchema>;

/** `GuideVersion.state`. */
export const GuideVersionStateSchema = z.enum(['Draft', 'TestReady', 'ProductionReady']);
export type GuideVersionState = z.infer<typeof GuideVersionStateSchema>;

/** `GuideVersionPublish.state`: the state a publish job moves a version to. */
export const GuideVersionPublishStateSchema = z.enum(['TestReady', 'ProductionReady']);
export type GuideVersionPublishState = z.infer<typeof GuideVersionPublishStateSchema>;

/** `GuideVersionPublishJob.status`. */
export const GuideVersionPublishJobStatusSchema = z.enum(['InProgress', 'Succeeded', 'Failed']);
export type GuideVersionPublishJobStatus = z.infer<typeof GuideVersionPublishJobStatusSchema>;

/** `Variable.type`. */
export const GuideVariableTypeSchema = z.enum(['String', 'Integer', 'Number', 'Boolean', 'Date', 'List']);
export type GuideVariableType = z.infer<typeof GuideVariableTypeSchema>;

/** `Variable.scope`: how the Guides runtime uses the variable. */
export const GuideVariableScopeSchema = z.enum(['Input', 'Output', 'InputAndOutput', 'GuideOnly']);
export type GuideVariableScope = z.infer<typeof GuideVariableScopeSchema>;

/** `GuideSessionInputEvent.type`. */
export const GuideInputEventTypeSchema = z.enum(['UserInput', 'ReturnControl', 'NoOp']);
export type GuideInputEventType = z.infer<typeof GuideInputEventTypeSchema>;

/** `GuideSessionInputEvent.mode`. */
export const GuideInputModeSchema = z.enum(['Text']);
export type GuideInputMode = z.infer<typeof GuideInputModeSchema>;

/** `GuideSessionTurnResponse.status`. */
export const GuideTurnStatusSchema = z.enum(['IN_PROGRESS', 'COMPLETED', 'ERROR']);
export type GuideTurnStatus = z.infer<typeof GuideTurnStatusSchema>;

/** `GuideSessionTurnResponse.result`. */
export const GuideTurnResultSchema = z.enum([
  'SUCCESSFUL_COLLECTION',
  'CONFIRMATION_REQUIRED',
  'ESCALATION_TRIGGERED',
  'CLIENT_ACTION_REQUIRED',
  'NO_MATCH',
]);
export type GuideTurnResult = z.infer<typeof GuideTurnResultSchema>;

// ---------------------------------------------------------------- shared pieces

/** `AddressableEntityRef`. */
export const AddressableEntityRefSchema = z.object({
  id: z.string().min(1),
  selfUri: z.string().optional(),
});

/** `GuideVersionRef`. */
export const GuideVersionRefSchema = z.object({
  version: z.string().min(1),
  selfUri: z.string().optional(),
});
export type GuideVersionRef = z.infer<typeof GuideVersionRefSchema>;

/** `Variable` (its recursive `listVariables` kept as plain objects). */
export const GuideVariableSchema = z.strictObject({
  name: z.string().min(1).max(100),
  type: GuideVariableTypeSchema,
  scope: GuideVariableScopeSchema,
  description: z.string().max(1000).optional(),
  validation: z.record(z.string(), z.unknown()).optional(),
  listValues: z.record(z.string(), z.unknown()).optional(),
  listVariables: z.array(z.record(z.string(), z.unknown())).optional(),
  customConversationAttributes: z.array(z.record(z.string(), z.unknown())).optional(),
});
export type GuideVariable = z.infer<typeof GuideVariableSchema>;

/** `GuideVersionResources`. */
export const GuideVersionResourcesSchema = z.object({
  dataActions: z
    .array(
      z.object({
        id: z.string().min(1),
        label: z.string(),
        description: z.string().optional(),
        selfUri: z.string().optional(),
      }),
    )
    .optional(),
});
export type GuideVersionResources = z.infer<typeof GuideVersionResourcesSchema>;

/** `AuthoringKnowledgeSettings`. */
export const AuthoringKnowledgeSettingsSchema = z.object({
  knowledgeId: z.string().optional(),
  description: z.string().optional(),
  knowledgeType: z.string().optional(),
  inheritFromExternal: z.boolean().optional(),
});

/** `KnowledgeSettings` of a turn. */
export const KnowledgeSettingsSchema = z.strictObject({
  knowledgeId: z.string().optional(),
  description: z.string().optional(),
  knowledgeType: z.string().optional(),
});
export type KnowledgeSettings = z.infer<typeof KnowledgeSettingsSchema>;

// ---------------------------------------------------------------- guides

/** Longest guide name the emulator accepts. */
export const MAX_GUIDE_NAME_LENGTH = 200;

/** `CreateGuide`: body of `POST /api/v2/guides`. */
export const CreateGuideSchema = z.strictObject({
  name: z.string().trim().min(1).max(MAX_GUIDE_NAME_LENGTH),
  source: GuideSourceSchema,
});
export type CreateGuide = z.infer<typeof CreateGuideSchema>;

/** `Guide`. */
export const GuideSchema = z.object({
  id: z.string().min(1),
  name: z.string(),
  status: GuideStatusSchema.optional(),
  source: GuideSourceSchema.optional(),
  dateCreated: z.string().optional(),
  dateModified: z.string().optional(),
  selfUri: z.string().optional(),
  latestSavedVersion: GuideVersionRefSchema.optional(),
  latestProductionReadyVersion: GuideVersionRefSchema.optional(),
});
export type Guide = z.infer<typeof GuideSchema>;

/** `GuideEntityListing`: answer of `GET /api/v2/guides`. */
export const GuideEntityListingSchema = z.object({
  entities: z.array(GuideSchema).default([]),
  pageSize: z.number().int().optional(),
  pageNumber: z.number().int().optional(),
  total: z.number().int().optional(),
  pageCount: z.number().int().optional(),
  selfUri: z.string().optional(),
  firstUri: z.string().optional(),
  lastUri: z.string().optional(),
  nextUri: z.string().optional(),
  previousUri: z.string().optional(),
});
export type GuideEntityListing = z.infer<typeof GuideEntityListingSchema>;

// ---------------------------------------------------------------- versions

/** Longest instruction the emulator accepts, in characters. */
export const MAX_GUIDE_INSTRUCTION_CHARS = 100_000;
/** Most variables one version may declare in the emulator. */
export const MAX_GUIDE_VARIABLES = 100;

/** `CreateGuideVersion`: body of `POST .../versions` (`instruction` is the prompt). */
export const CreateGuideVersionSchema = z.strictObject({
  instruction: z.string().min(1).max(MAX_GUIDE_INSTRUCTION_CHARS),
  variables: z.array(GuideVariableSchema).max(MAX_GUIDE_VARIABLES).optional(),
  resources: GuideVersionResourcesSchema.optional(),
  knowledgeSettings: AuthoringKnowledgeSettingsSchema.optional(),
});
export type CreateGuideVersion = z.infer<typeof CreateGuideVersionSchema>;

/** `UpdateGuideVersion`: body of `PATCH .../versions/{versionId}`. */
export const UpdateGuideVersionSchema = z.strictObject({
  instruction: z.string().min(1).max(MAX_GUIDE_INSTRUCTION_CHARS).optional(),
  variables: z.array(GuideVariableSchema).max(MAX_GUIDE_VARIABLES).optional(),
  resources: GuideVersionResourcesSchema.optional(),
  knowledgeSettings: AuthoringKnowledgeSettingsSchema.optional(),
});
export type UpdateGuideVersion = z.infer<typeof UpdateGuideVersionSchema>;

/** `GuideVersion`. */
export const GuideVersionSchema = z.object({
  selfUri: z.string().optional(),
  guide: AddressableEntityRefSchema.optional(),
  version: z.string().min(1),
  instruction: z.string().optional(),
  state: GuideVersionStateSchema.optional(),
  dateCreated: z.string().optional(),
  dateModified: z.string().optional(),
  variables: z.array(GuideVariableSchema.loose()).optional(),
  resources: GuideVersionResourcesSchema.optional(),
  knowledgeSettings: AuthoringKnowledgeSettingsSchema.optional(),
});
export type GuideVersion = z.infer<typeof GuideVersionSchema>;

/** `GuideVersionPublishJobRequest`: body of `POST .../versions/{versionId}/jobs`. */
export const GuideVersionPublishJobRequestSchema = z.strictObject({
  guideVersion: z.strictObject({ state: GuideVersionPublishStateSchema }),
});
export type GuideVersionPublishJobRequest = z.infer<typeof GuideVersionPublishJobRequestSchema>;

/** `GuideVersionPublishJob`. */
export const GuideVersionPublishJobSchema = z.object({
  id: z.string().min(1),
  status: GuideVersionPublishJobStatusSchema,
  errors: z.array(ErrorBodySchema.partial()).optional(),
  guide: AddressableEntityRefSchema.optional(),
  guideVersion: GuideVersionSchema.partial().optional(),
  selfUri: z.string().optional(),
});
export type GuideVersionPublishJob = z.infer<typeof GuideVersionPublishJobSchema>;

// ---------------------------------------------------------------- session turns

/** Longest `inputEvent.text` the emulator accepts, in characters. */
export const MAX_GUIDE_TURN_TEXT_CHARS = 32_000;
/** Longest `guideSessionId` the emulator accepts. */
export const MAX_GUIDE_SESSION_ID_LENGTH = 128;

/** `GuideSessionVariable`. */
export const GuideSessionVariableSchema = z.object({
  name: z.string().optional(),
  value: z.string().optional(),
});
export type GuideSessionVariable = z.infer<typeof GuideSessionVariableSchema>;

/** `GuideSessionTurnInvocationData`: the output of one client action, sent back with `ReturnControl`. */
export const GuideInvocationOutputSchema = z.strictObject({
  group: z.string().min(1),
  actionName: z.string().min(1),
  output: z.string(),
});
export type GuideInvocationOutput = z.infer<typeof GuideInvocationOutputSchema>;

/** `GuideSessionInputEvent`. */
export const GuideSessionInputEventSchema = z.strictObject({
  type: GuideInputEventTypeSchema,
  text: z.string().max(MAX_GUIDE_TURN_TEXT_CHARS).optional(),
  mode: GuideInputModeSchema,
  invocationId: z.string().optional(),
  invocations: z.array(GuideInvocationOutputSchema).max(100).optional(),
});
export type GuideSessionInputEvent = z.infer<typeof GuideSessionInputEventSchema>;

/** `GuideSessionTurnRequest`: body of `POST .../sessions/{guideSessionId}/turns`. */
export const GuideSessionTurnRequestSchema = z.strictObject({
  inputEvent: GuideSessionInputEventSchema,
  languageCode: z.string().min(2).max(35),
  version: z.string().min(1),
  inputVariables: z
    .array(z.strictObject({ name: z.string().min(1), value: z.string() }))
    .max(MAX_GUIDE_VARIABLES)
    .optional(),
  knowledgeSettings: KnowledgeSettingsSchema.optional(),
});
export type GuideSessionTurnRequest = z.infer<typeof GuideSessionTurnRequestSchema>;

/** `GuideSessionTurnInvocationParameters`. */
export const GuideInvocationParameterSchema = z.object({
  name: z.string().optional(),
  type: z.string().optional(),
  value: z.string().optional(),
});

/** `GuideSessionTurnInvocationResponse`: a client action the guide asks the caller to run. */
export const GuideInvocationSchema = z.object({
  id: z.string().optional(),
  group: z.string(),
  actionName: z.string(),
  parameters: z.array(GuideInvocationParameterSchema).optional(),
});
export type GuideInvocation = z.infer<typeof GuideInvocationSchema>;

/** `GuideSessionTurnResponse`: the whole answer of one turn, in the same HTTP response. */
export const GuideSessionTurnResponseSchema = z.object({
  response: z.object({ text: z.string().optional() }).optional(),
  status: GuideTurnStatusSchema,
  result: GuideTurnResultSchema.optional(),
  outputVariables: z.array(GuideSessionVariableSchema).optional(),
  invocationId: z.string().optional(),
  invocations: z.array(GuideInvocationSchema).optional(),
});
export type GuideSessionTurnResponse = z.infer<typeof GuideSessionTurnResponseSchema>;
