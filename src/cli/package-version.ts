/**
 * The version `genesys-prompt --version` prints: the `version` of this package's package.json, found
 * by walking up from this module (it sits at `src/cli/` in a clone and at `dist/cli/` or `dist/` when
 * built, so the depth differs).
 */
import { readFileSync } from 'node:fs';

const PACKAGE_NAME = 'genesys-prompt-injector';

/** This package's version, or `unknown` when its package.json cannot be found. */
export function packageVersion(from: string = import.meta.url): string {
  for (let up = 1; up <= 4; up++) {
    try {
      const manifest = JSON.parse(readFileSync(new URL(`${'../'.repeat(up)}package.json`, from), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (manifest.name === PACKAGE_NAME && typeof manifest.version === 'string') return manifest.version;
    } catch {
      // not at this depth
    }
  }
  return 'unknown';
}
