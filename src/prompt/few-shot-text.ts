/**
 * The few-shot texts of the prompt pipeline, built once and handed out again as the same string:
 * an injection that selects the same examples as an earlier one gets the earlier text itself, so
 * neither the text nor its hash (which the token-count caches look up) is built again. Exact: an
 * example whose fields changed is formatted anew, and a text is the concatenation of its parts,
 * found by those parts.
 */

/** The fields of an example a formatted text was made from. */
interface Formatted {
  input: unknown;
  output: unknown;
  text: string;
}

/** A step of the trie of concatenations: the text so far, and the texts it continues with. */
interface Joined {
  text: string;
  next: Map<string, Joined> | undefined;
}

/** Concatenations remembered, at most; the trie starts again when full. */
const MAX_JOINED = 4096;

const formatted = new WeakMap<object, Formatted>();
let roots = new Map<string, Joined>();
let joinedCount = 0;

/**
 * `Example Input: ...\nExample Output: ...` for `example`, the same string while its fields are.
 * @param example a few-shot example
 */
export function formatExampleText(example: { input: string; output: string }): string {
  const known = formatted.get(example);
  if (known !== undefined && known.input === example.input && known.output === example.output)
    return known.text;
  const text = `Example Input: ${example.input}\nExample Output: ${example.output}`;
  formatted.set(example, { input: example.input, output: example.output, text });
  return text;
}

/**
 * `first`, then `head`, then `parts` with `separator` between them: the same string object as the
 * last time these strings were joined. `head` and `separator` are constants of the one caller.
 * @param first the leading text (the key of the first step: no new string is built to find it)
 * @param head put after `first`
 * @param parts the texts after it
 * @param separator put between two parts
 */
export function joinedText(first: string, head: string, parts: readonly string[], separator: string): string {
  let step = roots.get(first);
  if (step === undefined) {
    if (joinedCount >= MAX_JOINED) {
      roots = new Map();
      joinedCount = 0;
    }
    step = { text: `${first}${head}`, next: undefined };
    roots.set(first, step);
    joinedCount += 1;
  }
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i] as string;
    step.next ??= new Map();
    let after = step.next.get(part);
    if (after === undefined) {
      after = { text: `${step.text}${i === 0 ? '' : separator}${part}`, next: undefined };
      step.next.set(part, after);
      joinedCount += 1;
    }
    step = after;
  }
  return step.text;
}
