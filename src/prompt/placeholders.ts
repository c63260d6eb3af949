/**
 * The `{{name}}` placeholder syntax, defined once for validation and interpolation.
 * Whitespace inside the braces is allowed (`{{ name }}`), as in Mustache and Handlebars.
 */

/** A valid variable name: a letter or underscore, then letters, digits or underscores. */
export const VARIABLE_NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Anything between `{{` and `}}` that contains no brace; the name is checked separately. */
const PLACEHOLDER_RE = /\{\{([^{}]*)\}\}/g;

/** One `{{...}}` occurrence in a text. */
export interface PlaceholderMatch {
  /** The text as written, braces included: `{{ productType }}`. */
  raw: string;
  /** The trimmed text between the braces. */
  name: string;
  /** Whether `name` is a valid variable name. */
  valid: boolean;
  /** Offset of the opening braces in the text. */
  index: number;
}

/** Every `{{...}}` in `text`, valid or not, in order of appearance. */
export function scanPlaceholders(text: string): PlaceholderMatch[] {
  const found: PlaceholderMatch[] = [];
  for (const match of text.matchAll(PLACEHOLDER_RE)) {
    const name = match[1]!.trim(); // the group always takes part in a match
    found.push({ raw: match[0], name, valid: VARIABLE_NAME_RE.test(name), index: match.index });
  }
  return found;
}

/**
 * Replaces every valid placeholder in one pass: a replacement is never scanned again, so a value
 * containing `{{x}}` stays literal. Malformed placeholders are left as written.
 * @param text the text to scan
 * @param replace returns the replacement for a valid name
 */
export function replacePlaceholders(text: string, replace: (name: string) => string): string {
  // No placeholder: the same string back (so caches keyed by the text find it without rehashing).
  if (!text.includes('{{')) return text;
  return text.replace(PLACEHOLDER_RE, (raw: string, inner: string) => {
    const name = inner.trim();
    return VARIABLE_NAME_RE.test(name) ? replace(name) : raw;
  });
}
