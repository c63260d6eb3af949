/**
 * The PostgreSQL trail: the same entries, lines and chain as the file trail, in one table that any
 * number of service instances on any number of hosts append to. Each batch is one transaction that
 * locks the head row (`SELECT … FOR UPDATE`), so writers take turns on the chain; inside it the
 * batch's rows go in with one INSERT, the head moves, and a checkpoint row is added when one is due.
 * An append resolves only once its transaction committed. Appends from one instance are
 * group-committed: those made while a transaction runs share the next one.
 */
import pg from 'pg';
import { GenesysPromptError, ValidationError } from '../errors.js';
import { type AuditChainHead, chainEntries, chainLinkProblem } from './audit-chain.js';
import {
  type AuditCheckpoint,
  checkpointLineHash,
  formatCheckpointLine,
  isSigned,
  makeCheckpoint,
  readCheckpointLine,
  shortKeyId,
} from './audit-checkpoint.js';
import { CheckpointChain } from './audit-checkpoint-chain.js';
import { GENESIS_HASH, readEntryLine } from './audit-entry.js';
import { type AuditAppendFields, checkAuditFields } from './audit-fields.js';
import { GroupCommit } from './audit-group-commit.js';
import { auditTables, type AuditTables, ensureAuditSchema } from './audit-postgres-schema.js';
import { checkpointLines, entryLines, pagedLines, poolOptions } from './audit-postgres-source.js';
import { parsePostgresTarget } from './audit-postgres-target.js';
import type { AuditAppendResult, AuditSink, AuditTrailLine } from './audit-sink.js';
import { type AuditSigningKey, loadAuditSigningKey } from './audit-signing-key.js';
import {
  announceCheckpoint,
  type AuditWriterOptions,
  checkpointDue,
  type ResolvedWriterOptions,
  resolveWriterOptions,
} from './audit-writer-options.js';

/** Options of `PostgresAuditSink.open`. */
export interface PostgresAuditSinkOptions extends AuditWriterOptions {
  /** Schema of the tables; default the URL's `schema` parameter, else `public`. */
  schema?: string;
  /** Longest wait for a connection (default 10000 ms). */
  connectTimeoutMs?: number;
}

// PostgreSQL's error codes: a lock not granted within lock_timeout; a duplicate key.
const LOCK_NOT_AVAILABLE = '55P03';
const UNIQUE_VIOLATION = '23505';

/** What this writer last committed: the head, and the last checkpoint's line and position. */
interface KnownTail {
  head: AuditChainHead;
  checkpointLine: string | undefined;
  checkpointPosition: number;
}

/** An audit trail in PostgreSQL, shared by every instance that names the same database and schema. */
export class PostgresAuditSink implements AuditSink {
  /** The database URL without its password. */
  readonly target: string;
  readonly #pool: pg.Pool;
  readonly #tables: AuditTables;
  readonly #options: ResolvedWriterOptions;
  readonly #signingKey: AuditSigningKey | undefined;
  readonly #queue: GroupCommit<AuditAppendFields, AuditAppendResult>;
  readonly #timer: NodeJS.Timeout | undefined;
  #head: AuditChainHead = { seq: 0, hash: GENESIS_HASH };
  /** The head and last checkpoint as this writer left them, when it wrote last (the optimistic path). */
  #tail: KnownTail | undefined;
  /** Another writer wrote between this writer's last two batches: take the locked path. */
  #contended = false;
  #lastCheckpoint: AuditCheckpoint | undefined;
  #uncovered = false;
  #closing: Promise<void> | undefined;

  private constructor(
    target: string,
    pool: pg.Pool,
    tables: AuditTables,
    signingKey: AuditSigningKey | undefined,
    options: ResolvedWriterOptions,
  ) {
    this.target = target;
    this.#pool = pool;
    this.#tables = tables;
    this.#signingKey = signingKey;
    this.#options = options;
    // Each batch is one transaction: a failed one changed nothing, so the next may be tried.
    this.#queue = new GroupCommit((items, flush) => this.#commit(items, flush), { isFatal: () => false });
    if (options.intervalMs > 0) {
      this.#timer = setInterval(() => {
        if (this.#uncovered) void this.#queue.flush().catch(() => undefined);
      }, options.intervalMs).unref();
    }
  }

  /**
   * Connects, creates the tables if missing, and checks the trail back to its last checkpoint: the
   * checkpoints (chain and signatures), the entry the last one names, and every entry after it up to
   * the head. Writes a first checkpoint when there is none.
   * @throws ValidationError when the trail does not check (`audit.log.corrupt`, `audit.log.truncated`,
   *   `audit.checkpoints.corrupt`) or the keys do not fit it (`audit.key.mismatch`)
   * @throws GenesysPromptError (`audit.connect.failed`) when the database cannot be reached
   */
  static async open(url: string, options: PostgresAuditSinkOptions = {}): Promise<PostgresAuditSink> {
    const resolved = resolveWriterOptions(options);
    const signingKey = await loadAuditSigningKey(
      {
        ...(options.signingKey === undefined ? {} : { key: options.signingKey }),
        ...(options.signingKeyFile === undefined ? {} : { keyFile: options.signingKeyFile }),
      },
      {},
      'signingKey',
    );
    const target = parsePostgresTarget(url, options.schema);
    const pool = new pg.Pool(
      poolOptions(target.connectionString, {
        connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
        lock_timeout: resolved.lockTimeoutMs,
      }),
    );
    // An idle connection's error must not crash the process; the next query reports it.
    pool.on('error', () => undefined);
    const sink = new this(target.display, pool, auditTables(target.schema), signingKey, resolved);
    try {
      const client = await sink.#connect();
      try {
        await ensureAuditSchema(client, target.schema);
      } finally {
        client.release();
      }
      await sink.#checkBackToLastCheckpoint();
      if (sink.#lastCheckpoint === undefined) await sink.#commit([], true);
      return sink;
    } catch (error) {
      await sink.#shutdown();
      throw error;
    }
  }

  /** `seq` of the last entry this writer knows of. */
  get lastSeq(): number {
    return this.#head.seq;
  }

  /** `hash` of the last entry this writer knows of. */
  get lastHash(): string {
    return this.#head.hash;
  }

  /** The last checkpoint this writer wrote or read, if any. */
  get lastCheckpoint(): AuditCheckpoint | undefined {
    return this.#lastCheckpoint;
  }

  /**
   * Appends one entry and resolves once its transaction committed, with its `seq` in the shared chain.
   * @throws ValidationError for a field that breaks the audit field policy
   * @throws GenesysPromptError `audit.lock.timeout` when other writers held the head longer than
   *   `lockTimeoutMs`, `audit.write.failed` when the database refused, `audit.closed` after `close()`
   */
  append(fields: AuditAppendFields): Promise<AuditAppendResult> {
    let checked: AuditAppendFields;
    try {
      checked = checkAuditFields(fields);
    } catch (error) {
      return Promise.reject(error as Error);
    }
    return this.#queue.submit(checked);
  }

  /** The trail's entry lines in `seq` order, read page by page. */
  lines(): AsyncIterable<AuditTrailLine> {
    return entryLines(this.#pool, this.#tables);
  }

  /** The trail's checkpoint lines, oldest first. */
  checkpoints(): AsyncIterable<AuditTrailLine> {
    return checkpointLines(this.#pool, this.#tables);
  }

  /**
   * Waits for pending appends, writes a last checkpoint when this writer appended since the last one,
   * then closes the connections. Idempotent.
   */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      await this.#queue.close(
        new GenesysPromptError(`the audit trail ${this.target} is closed`, { code: 'audit.closed' }),
      );
      // Best effort: a failure leaves the entries committed, only uncovered by a checkpoint.
      if (this.#uncovered) await this.#commit([], true).catch(() => undefined);
      await this.#shutdown();
    })();
    return this.#closing;
  }

  async #shutdown(): Promise<void> {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    await this.#pool.end();
  }

  async #connect(): Promise<pg.PoolClient> {
    try {
      return await this.#pool.connect();
    } catch (cause) {
      throw new GenesysPromptError(
        `cannot connect to the audit database ${this.target}: ${(cause as Error).message}; check that it is running and the URL`,
        { code: 'audit.connect.failed', cause },
      );
    }
  }

  async #checkBackToLastCheckpoint(): Promise<void> {
    const chain = new CheckpointChain();
    let position = 0;
    for await (const line of checkpointLines(this.#pool, this.#tables)) {
      position += 1;
      const problem = chain.accept(line.text).problem;
      if (problem !== undefined) {
        throw this.#corrupt(`checkpoint ${position} ${problem}`, 'audit.checkpoints.corrupt');
      }
    }
    const last = chain.last;
    this.#lastCheckpoint = last;
    this.#checkKeys(chain);
    const { rows } = await this.#pool.query<{ seq: string; hash: string }>(
      `SELECT seq::text AS seq, hash FROM ${this.#tables.head} WHERE id = 1`,
    );
    const head = { seq: Number(rows[0]!.seq), hash: rows[0]!.hash };
    if (last !== undefined && head.seq < last.count) {
      throw this.#corrupt(
        `the head is at entry ${head.seq} but the last checkpoint counts ${last.count}: entries were removed`,
        'audit.log.truncated',
      );
    }
    this.#head = await this.#checkEntries(head, last);
  }

  /**
   * Checks every entry from the one `last` names (or the first) up to `head`: canonical, chained, hash
   * matching with the HMAC key, the checkpoint's entry the one it names, the last one the head row.
   */
  async #checkEntries(head: AuditChainHead, last: AuditCheckpoint | undefined): Promise<AuditChainHead> {
    const from = last === undefined || last.count === 0 ? 0 : last.count - 1;
    let at: AuditChainHead | undefined = from === 0 ? { seq: 0, hash: GENESIS_HASH } : undefined;
    const lines = pagedLines(
      this.#pool,
      `SELECT seq::text AS key, line FROM ${this.#tables.entries} WHERE seq > $1::bigint AND seq <= ${head.seq} ORDER BY seq LIMIT $2`,
      from,
    );
    for await (const line of lines) {
      const entry = readEntryLine(line.text).entry;
      const after = at?.seq ?? from;
      if (entry === undefined)
        throw this.#corrupt(`the entry after seq ${after} is not a valid entry`, 'audit.log.corrupt');
      // The checkpoint's own entry: named by it, so it starts the chain to check.
      at ??=
        entry.seq === last?.count && entry.hash === last.headHash
          ? { seq: entry.seq - 1, hash: entry.prevHash }
          : undefined;
      if (at === undefined) {
        throw this.#corrupt(
          `entry ${last?.count} is not the one the last checkpoint names: the trail was rewritten`,
          'audit.log.corrupt',
        );
      }
      const problem = chainLinkProblem(at, entry, this.#options.hmacKey, line.text);
      if (problem !== undefined) throw this.#corrupt(`entry ${entry.seq} ${problem}`, 'audit.log.corrupt');
      at = { seq: entry.seq, hash: entry.hash };
    }
    if (at === undefined || at.seq !== head.seq || at.hash !== head.hash) {
      throw this.#corrupt(
        `the entries end at seq ${at?.seq ?? from}, but the head row says ${head.seq}: entries are missing or the head was edited`,
        'audit.log.corrupt',
      );
    }
    return at;
  }

  /** The writer must chain as the trail does and sign with the trail's key. */
  #checkKeys(chain: CheckpointChain): void {
    const last = chain.last;
    if (last !== undefined && (last.chain === 'hmac-sha256') !== (this.#options.hmacKey !== undefined)) {
      throw new ValidationError(
        'hmacKey',
        last.chain === 'hmac-sha256'
          ? 'the trail is chained with an HMAC key, and none was given'
          : 'the trail is chained with plain SHA-256, and an HMAC key was given',
        last.chain === 'hmac-sha256' ? 'pass the HMAC key the trail was started with' : 'drop the HMAC key',
        { code: 'audit.key.mismatch' },
      );
    }
    const ours = this.#signingKey?.publicKey.keyId;
    if (chain.signedBy !== undefined && ours !== undefined && chain.signedBy !== ours) {
      throw new ValidationError(
        'signingKey',
        `the trail's checkpoints are signed by key ${shortKeyId(chain.signedBy)}, not by this key ${shortKeyId(ours)}`,
        'use the key the trail was started with, or a new schema for the new key',
        { code: 'audit.key.mismatch' },
      );
    }
  }

  /**
   * One batch, committed in one of two ways. When this writer wrote the head last, one statement in
   * one round trip: move the head on the condition that it is still where this writer left it, and
   * insert the rows only if it moved (a concurrent writer's update makes the condition fail, and the
   * statement then changes nothing). Otherwise, or when that fails, a transaction that locks the head
   * row and reads it and the last checkpoint, writes, and commits.
   */
  async #commit(items: AuditAppendFields[], flush: boolean): Promise<AuditAppendResult[]> {
    const client = await this.#connect();
    try {
      if (this.#tail !== undefined && !this.#contended) {
        const done = await this.#commitIfHeadUnmoved(client, this.#tail, items, flush);
        if (done !== undefined) return done;
      }
      return await this.#commitLocked(client, items, flush);
    } finally {
      client.release();
    }
  }

  /** The optimistic path; undefined when the head moved (nothing was written). */
  async #commitIfHeadUnmoved(
    client: pg.PoolClient,
    tail: KnownTail,
    items: AuditAppendFields[],
    flush: boolean,
  ): Promise<AuditAppendResult[] | undefined> {
    const chained = chainEntries(tail.head, items, this.#options.now().toISOString(), this.#options.hmacKey);
    const checkpoint = this.#dueCheckpoint(chained.head, tail.checkpointLine, flush);
    if (items.length === 0 && checkpoint === undefined) return [];
    const t = this.#tables;
    const values: unknown[] = [tail.head.seq, tail.head.hash, chained.head.seq, chained.head.hash];
    const parts = [
      `u AS (UPDATE ${t.head} SET seq = $3, hash = $4 WHERE id = 1 AND seq = $1 AND hash = $2 RETURNING 1)`,
    ];
    if (items.length > 0) {
      values.push(
        chained.entries.map((e) => e.seq),
        chained.entries.map((e) => e.hash),
        chained.lines,
      );
      parts.push(
        `e AS (INSERT INTO ${t.entries} (seq, hash, line) SELECT * FROM unnest($5::bigint[], $6::text[], $7::text[]) WHERE EXISTS (SELECT 1 FROM u))`,
      );
    }
    let checkpointLine: string | undefined;
    if (checkpoint !== undefined) {
      checkpointLine = formatCheckpointLine(checkpoint);
      const n = values.length;
      values.push(tail.checkpointPosition + 1, checkpoint.count, checkpointLine);
      parts.push(
        `c AS (INSERT INTO ${t.checkpoints} (position, count, line) SELECT $${n + 1}::bigint, $${n + 2}::bigint, $${n + 3}::text WHERE EXISTS (SELECT 1 FROM u))`,
      );
    }
    let moved: number;
    try {
      const { rows } = await client.query<{ moved: string }>(
        `WITH ${parts.join(', ')} SELECT count(*)::text AS moved FROM u`,
        values,
      );
      moved = Number(rows[0]!.moved);
    } catch (cause) {
      // A checkpoint row another writer added meanwhile (same position): nothing was written.
      if ((cause as { code?: string }).code === UNIQUE_VIOLATION) moved = 0;
      else {
        this.#tail = undefined;
        throw this.#writeError(cause);
      }
    }
    if (moved === 0) {
      this.#tail = undefined;
      this.#contended = true;
      return undefined;
    }
    if (checkpoint === undefined) {
      this.#committed(chained.head, items.length, undefined, tail.checkpointLine, tail.checkpointPosition);
    } else
      this.#committed(chained.head, items.length, checkpoint, checkpointLine, tail.checkpointPosition + 1);
    return chained.entries.map((e) => ({ seq: e.seq, hash: e.hash }));
  }

  /**
   * The locked path, in two round trips: lock the head and read the last checkpoint; then insert the
   * batch, move the head, add a due checkpoint and commit.
   */
  async #commitLocked(
    client: pg.PoolClient,
    items: AuditAppendFields[],
    flush: boolean,
  ): Promise<AuditAppendResult[]> {
    try {
      const t = this.#tables;
      // One simple-protocol round trip for three statements (no parameters in them).
      const opened = (await client.query(
        `BEGIN; SELECT seq::text AS seq, hash FROM ${t.head} WHERE id = 1 FOR UPDATE; ` +
          // Ordered by the bigint column, not by a text alias ('9' sorts after '10').
          `SELECT position::text AS at, line FROM ${t.checkpoints} ORDER BY ${t.checkpoints}.position DESC LIMIT 1`,
      )) as unknown as Array<pg.QueryResult<Record<string, string>>>;
      const headRow = opened[1]!.rows[0]!;
      const lastRow = opened[2]!.rows[0];
      const head = { seq: Number(headRow.seq), hash: headRow.hash! };
      const position = Number(lastRow?.at ?? 0);
      // Someone else wrote since this writer did: the optimistic path would fail; skip it a while.
      this.#contended = this.#head.seq !== head.seq || this.#head.hash !== head.hash;
      const chained = chainEntries(head, items, this.#options.now().toISOString(), this.#options.hmacKey);
      const checkpoint = this.#dueCheckpoint(chained.head, lastRow?.line, flush);
      // The writes and the commit in one simple-protocol round trip, so the head stays locked for one
      // round trip and the commit only. Strings are quoted by the driver's escapeLiteral; the numbers
      // are the chain's own.
      const text = (value: string): string => client.escapeLiteral(value);
      const parts: string[] = [];
      if (items.length > 0) {
        parts.push(
          `e AS (INSERT INTO ${t.entries} (seq, hash, line) SELECT * FROM unnest(` +
            `ARRAY[${chained.entries.map((e) => e.seq).join(',')}]::bigint[], ` +
            `ARRAY[${chained.entries.map((e) => text(e.hash)).join(',')}]::text[], ` +
            `ARRAY[${chained.lines.map(text).join(',')}]::text[]))`,
          `h AS (UPDATE ${t.head} SET seq = ${chained.head.seq}, hash = ${text(chained.head.hash)} WHERE id = 1)`,
        );
      }
      let checkpointLine = lastRow?.line;
      if (checkpoint !== undefined) {
        checkpointLine = formatCheckpointLine(checkpoint);
        parts.push(
          `c AS (INSERT INTO ${t.checkpoints} (position, count, line) VALUES (${position + 1}, ${checkpoint.count}, ${text(checkpointLine)}))`,
        );
      }
      await client.query(`${parts.length > 0 ? `WITH ${parts.join(', ')} SELECT 1; ` : ''}COMMIT`);
      this.#committed(
        chained.head,
        items.length,
        checkpoint,
        checkpointLine,
        checkpoint === undefined ? position : position + 1,
      );
      return chained.entries.map((e) => ({ seq: e.seq, hash: e.hash }));
    } catch (cause) {
      await client.query('ROLLBACK').catch(() => undefined);
      this.#tail = undefined;
      throw this.#writeError(cause);
    }
  }

  /** Records a committed batch: the new head (and last checkpoint) this writer now knows. */
  #committed(
    head: AuditChainHead,
    appended: number,
    checkpoint: AuditCheckpoint | undefined,
    checkpointLine: string | undefined,
    checkpointPosition: number,
  ): void {
    this.#head = head;
    this.#tail = { head, checkpointLine, checkpointPosition };
    if (appended > 0) this.#uncovered = true;
    if (checkpoint !== undefined) {
      this.#lastCheckpoint = checkpoint;
      this.#uncovered = false;
      announceCheckpoint(this.#options.onCheckpoint, checkpoint);
    }
  }

  /** The checkpoint to add at `head`, if one is due after the checkpoint line `lastLine`. */
  #dueCheckpoint(
    head: AuditChainHead,
    lastLine: string | undefined,
    flush: boolean,
  ): AuditCheckpoint | undefined {
    const last = lastLine === undefined ? undefined : readCheckpointLine(lastLine).checkpoint;
    if (lastLine !== undefined && last === undefined) {
      throw this.#corrupt('the last checkpoint is not a valid checkpoint', 'audit.checkpoints.corrupt');
    }
    if (!checkpointDue(head.seq, last?.count, this.#options.every, flush)) {
      if (head.seq <= (last?.count ?? -1)) this.#uncovered = false;
      return undefined;
    }
    // A writer without a key adds no unsigned checkpoint after signed ones.
    if (this.#signingKey === undefined && last !== undefined && isSigned(last)) {
      this.#uncovered = false;
      return undefined;
    }
    return makeCheckpoint(
      {
        count: head.seq,
        headHash: head.hash,
        time: this.#options.now().toISOString(),
        prevHash: lastLine === undefined ? GENESIS_HASH : checkpointLineHash(lastLine),
        ...(this.#options.hmacKey === undefined ? {} : { chain: 'hmac-sha256' as const }),
      },
      this.#signingKey,
    );
  }

  #writeError(cause: unknown): Error {
    if (cause instanceof GenesysPromptError) return cause;
    if ((cause as { code?: string }).code === LOCK_NOT_AVAILABLE) {
      return new GenesysPromptError(
        `the head of the audit trail ${this.target} stayed locked by other writers for ${this.#options.lockTimeoutMs} ms; check for a stuck transaction, or raise lockTimeoutMs`,
        { code: 'audit.lock.timeout', cause },
      );
    }
    return new GenesysPromptError(
      `could not append to the audit trail ${this.target}: ${(cause as Error).message}; the batch was rolled back, later appends retry`,
      { code: 'audit.write.failed', cause },
    );
  }

  #corrupt(problem: string, code: string): ValidationError {
    return new ValidationError(
      'audit',
      problem,
      `run \`genesys-prompt audit verify ${this.target}\`, keep the tables as evidence, and start a new schema`,
      { code },
    );
  }
}
