/**
 * An exclusive OS-level lock on an open file, held while a writer reads the trail's head, appends and
 * syncs. It is an open-file-description lock (Linux `F_OFD_SETLKW`; BSD `flock` on macOS; `LockFileEx`
 * on Windows) from `fs-native-extensions`: it excludes every other open handle, in this process or
 * another, and the kernel releases it when its holder dies, so a crash never leaves a stale lock to
 * guess about. Advisory: it binds the writers of this library, not other programs.
 */
import { createRequire } from 'node:module';
import type { FileHandle } from 'node:fs/promises';
import { GenesysPromptError } from '../errors.js';

interface NativeLocks {
  tryLock(fd: number): boolean;
  waitForLock(fd: number): Promise<void>;
  unlock(fd: number): void;
}

let native: NativeLocks | undefined;

/** Loaded on first use, so programs that never write a file trail never load the native addon. */
function locks(): NativeLocks {
  if (native === undefined) {
    try {
      native = createRequire(import.meta.url)('fs-native-extensions') as NativeLocks;
    } catch (cause) {
      throw new GenesysPromptError(
        `the file lock of the audit trail is not available on this platform (${(cause as Error).message}); use the PostgreSQL audit sink, or a platform with a prebuilt fs-native-extensions`,
        { code: 'audit.lock.unavailable', cause },
      );
    }
  }
  return native;
}

/**
 * The exclusive lock on one handle. `acquire` waits at most `timeoutMs`; a wait that times out keeps
 * running in the native thread pool and releases the lock at once if it is granted later, so an
 * abandoned wait never holds the lock. One acquire at a time per instance.
 */
export class FileLock {
  readonly #handle: FileHandle;
  readonly #path: string;
  /** The native wait in progress, if any (at most one). */
  #waiting: Promise<void> | undefined;
  /** True while an `acquire` call wants the lock the native wait will grant. */
  #wanted = false;
  #held = false;

  /**
   * @param handle the open file to lock
   * @param path its path, for error messages
   */
  constructor(handle: FileHandle, path: string) {
    this.#handle = handle;
    this.#path = path;
  }

  /**
   * Takes the lock, waiting for other holders.
   * @throws GenesysPromptError (`audit.lock.timeout`) after `timeoutMs` without the lock
   */
  async acquire(timeoutMs: number): Promise<void> {
    const fd = this.#handle.fd;
    if (this.#waiting === undefined && locks().tryLock(fd)) {
      this.#held = true;
      return;
    }
    this.#wanted = true;
    this.#waiting ??= locks()
      .waitForLock(fd)
      .then(
        () => {
          this.#waiting = undefined;
          if (this.#wanted) this.#held = true;
          else locks().unlock(fd);
        },
        (error: unknown) => {
          this.#waiting = undefined;
          throw error;
        },
      );
    // Handled here too, so a wait that fails after its acquire timed out is not an unhandled rejection.
    this.#waiting.catch(() => undefined);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        reject(
          new GenesysPromptError(
            `the audit trail ${this.#path} stayed locked by another writer for ${timeoutMs} ms; check for a stuck process writing it, or raise lockTimeoutMs`,
            { code: 'audit.lock.timeout' },
          ),
        );
      }, timeoutMs);
    });
    try {
      await Promise.race([this.#waiting, timeout]);
    } finally {
      clearTimeout(timer);
      this.#wanted = false;
    }
  }

  /** Releases the lock (no-op when not held). */
  release(): void {
    if (!this.#held) return;
    this.#held = false;
    locks().unlock(this.#handle.fd);
  }

  /** Resolves once no native wait is pending on the handle, so it may be closed. */
  async settled(): Promise<void> {
    await this.#waiting?.catch(() => undefined);
  }
}
