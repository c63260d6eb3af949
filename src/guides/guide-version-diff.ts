/**
 * Comparing what a template wants a guide version to hold with what the guide's latest version holds:
 * a content hash (SHA-256 of the canonical JSON of the instruction and the variables, sorted by name)
 * decides whether anything must be sent, and a field-by-field list says what would change.
 */
import type { GuideVariable, GuideVersion } from '../contract/guides.js';
import { canonicalJson, sha256Hex } from '../observe/canonical-json.js';

/** The parts of a version a deploy writes. */
export interface GuideVersionContent {
  instruction: string;
  variables: readonly GuideVariable[];
}

/** One field that differs: `instruction`, `variables.<name>` (added or removed) or `variables.<name>.<key>`. */
export interface GuideFieldChange {
  field: string;
  /** The value now (undefined when the field is added). */
  before: string | undefined;
  /** The value after the deploy (undefined when the field is removed). */
  after: string | undefined;
}

const VARIABLE_KEYS = ['type', 'scope', 'description'] as const;

/** The variables reduced to the keys a deploy sets, sorted by name. */
function normalVariables(variables: readonly GuideVariable[]): Array<Record<string, string>> {
  return [...variables]
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((v) => {
      const entry: Record<string, string> = { name: v.name, type: v.type, scope: v.scope };
      if (v.description !== undefined && v.description !== '') entry.description = v.description;
      return entry;
    });
}

/**
 * The content hash of a version: equal hashes mean a deploy has nothing to write.
 * @param content instruction and variables (a `GuideVersion` from the server works too)
 */
export function guideContentHash(content: {
  instruction?: string | undefined;
  variables?: readonly GuideVariable[] | undefined;
}): string {
  return sha256Hex(
    canonicalJson({
      instruction: content.instruction ?? '',
      variables: normalVariables(content.variables ?? []),
    }),
  );
}

/**
 * What a deploy of `desired` changes in `current`, field by field (empty when they are equal).
 * @param desired what the template describes
 * @param current the guide's latest saved version, or undefined when it has none
 */
export function diffGuideVersion(
  desired: GuideVersionContent,
  current: GuideVersion | undefined,
): GuideFieldChange[] {
  const changes: GuideFieldChange[] = [];
  const before = current?.instruction;
  if (before !== desired.instruction) {
    changes.push({ field: 'instruction', before, after: desired.instruction });
  }
  const now = new Map((current?.variables ?? []).map((v) => [v.name, v]));
  const wanted = new Map(desired.variables.map((v) => [v.name, v]));
  for (const [name, want] of wanted) {
    const have = now.get(name);
    if (have === undefined) {
      changes.push({ field: `variables.${name}`, before: undefined, after: `${want.type} ${want.scope}` });
      continue;
    }
    for (const key of VARIABLE_KEYS) {
      const was = emptyToUndefined(have[key]);
      const will = emptyToUndefined(want[key]);
      if (was !== will) changes.push({ field: `variables.${name}.${key}`, before: was, after: will });
    }
  }
  for (const [name, have] of now) {
    if (!wanted.has(name)) {
      changes.push({ field: `variables.${name}`, before: `${have.type} ${have.scope}`, after: undefined });
    }
  }
  return changes;
}

function emptyToUndefined(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}
