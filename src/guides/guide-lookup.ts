/**
 * Which guide a caller means: a guide id as given, or a name looked up (case-insensitive, as Genesys
 * filters). A name that matches no guide, or several, is a `ValidationError` saying what to do.
 */
import { ValidationError } from '../errors.js';
import type { CallOptions } from '../http/rest-request.js';
import type { GuidesApi } from './guides-api.js';

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The id of the guide `nameOrId` names.
 * @param api the Guides endpoints
 * @param nameOrId a guide id (UUID) or a guide name
 * @param options signal, deadline
 * @throws ValidationError (field `guide`) when no guide, or more than one, has that name
 */
export async function resolveGuideId(
  api: GuidesApi,
  nameOrId: string,
  options: CallOptions = {},
): Promise<string> {
  const wanted = nameOrId.trim();
  if (wanted === '') throw new ValidationError('guide', 'is empty', 'pass a guide id or name');
  if (UUID_RE.test(wanted)) return wanted;
  const found = await api.findGuidesByName(wanted, options);
  if (found.length === 1 && found[0] !== undefined) return found[0].id;
  if (found.length === 0) {
    throw new ValidationError(
      'guide',
      `no guide is named "${wanted}"`,
      'deploy the template first with `genesys-prompt guide deploy`, or pass the guide id',
    );
  }
  throw new ValidationError(
    'guide',
    `"${wanted}" names ${found.length} guides (${found.map((g) => g.id).join(', ')})`,
    'pass the id of the one you mean',
  );
}
