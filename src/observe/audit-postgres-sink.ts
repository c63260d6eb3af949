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

// PostgreSQL's error code for a lock not granted within lock_timeout.
const LOCK_NOT_AVAILABLE = '55P03';

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
    const sink = new PostgresAuditSink(
      target.display,
      pool,
      auditTables(target.schema),
      signingKey,
      resolved,
    );
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

  /** One transaction: lock the head, insert the batch, move the head, add a due checkpoint. */
  async #commit(items: AuditAppendFields[], flush: boolean): Promise<AuditAppendResult[]> {
    const client = await this.#connect();
    let checkpoint: AuditCheckpoint | undefined;
    try {
      await client.query('BEGIN');
      const { rows } = await client.query<{ seq: string; hash: string }>(
        `SELECT seq::text AS seq, hash FROM ${this.#tables.head} WHERE id = 1 FOR UPDATE`,
      );
      const head = { seq: Number(rows[0]!.seq), hash: rows[0]!.hash };
      const chained = chainEntries(head, items, this.#options.now().toISOString(), this.#options.hmacKey);
      if (items.length > 0) {
        await client.query(
          `INSERT INTO ${this.#tables.entries} (seq, hash, line) SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[])`,
          [chained.entries.map((e) => e.seq), chained.entries.map((e) => e.hash), chained.lines],
        );
        await client.query(`UPDATE ${this.#tables.head} SET seq = $1, hash = $2 WHERE id = 1`, [
          chained.head.seq,
          chained.head.hash,
        ]);
      }
      checkpoint = await this.#checkpointIfDue(client, chained.head, flush);
      await client.query('COMMIT');
      this.#head = chained.head;
      if (items.length > 0) this.#uncovered = true;
      if (checkpoint !== undefined) {
        this.#lastCheckpoint = checkpoint;
        this.#uncovered = false;
        announceCheckpoint(this.#options.onCheckpoint, checkpoint);
      }
      return chained.entries.map((e) => ({ seq: e.seq, hash: e.hash }));
    } catch (cause) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw this.#writeError(cause);
    } finally {
      client.release();
    }
  }

  /** Inside the transaction: adds a checkpoint at `head` when one is due; returns it. */
  async #checkpointIfDue(
    client: pg.PoolClient,
    head: AuditChainHead,
    flush: boolean,
  ): Promise<AuditCheckpoint | undefined> {
    const { rows } = await client.query<{ at: string; line: string }>(
      // Ordered by the bigint column, not by its text alias ('9' sorts after '10').
      `SELECT position::text AS at, line FROM ${this.#tables.checkpoints} ORDER BY ${this.#tables.checkpoints}.position DESC LIMIT 1`,
    );
    const lastLine = rows[0]?.line;
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
    const checkpoint = makeCheckpoint(
      {
        count: head.seq,
        headHash: head.hash,
        time: this.#options.now().toISOString(),
        prevHash: lastLine === undefined ? GENESIS_HASH : checkpointLineHash(lastLine),
        ...(this.#options.hmacKey === undefined ? {} : { chain: 'hmac-sha256' as const }),
      },
      this.#signingKey,
    );
    await client.query(
      `INSERT INTO ${this.#tables.checkpoints} (position, count, line) VALUES ($1, $2, $3)`,
      [Number(rows[0]?.at ?? 0) + 1, checkpoint.count, formatCheckpointLine(checkpoint)],
    );
    return checkpoint;
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
