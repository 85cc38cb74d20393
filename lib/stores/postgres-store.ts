import { randomUUID } from 'node:crypto';
import { describeValue } from '../describe-value.js';
import type { ClaimResult, DedupeStore } from './dedupe-store.js';

/** The part of a `pg` Pool (or anything with the same `query`) this store uses; `pg` is not imported. */
export interface PostgresQueryable {
  query(text: string, values?: unknown[]): Promise<{ rows: Array<Record<string, unknown>>; rowCount: number | null }>;
}

export interface PostgresDedupeStoreOptions {
  /** A `pg` Pool. */
  pool: PostgresQueryable;
  /** Default `idwise_dedupe`; may name a schema (`my_schema.idwise_dedupe`). Written into SQL: `[a-z0-9_]` only. */
  table?: string;
}

const DEFAULT_TABLE = 'idwise_dedupe';
const EXAMPLE =
  "new PostgresDedupeStore({ pool: new pg.Pool({ connectionString: process.env.DATABASE_URL }), table: 'idwise_dedupe' })";

// A table name's part may be at most 48 characters so that `<table>_expires_at_idx` stays within
// PostgreSQL's 63-byte identifier limit instead of being truncated into another table's index name.
const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;
const TABLE_PART = /^[a-z_][a-z0-9_]{0,47}$/;

/**
 * The idempotent DDL `migrate()` runs, for your own migration tool. A row is one key; an expired
 * row (lease or retention over) counts as absent, and `prune()` deletes it through the index.
 */
export function postgresDedupeTableSql(table: string = DEFAULT_TABLE): string {
  const { qualified, indexName } = parseTable(table);
  return [
    `CREATE TABLE IF NOT EXISTS ${qualified} (`,
    '  key        text        PRIMARY KEY,',
    '  token      text        NOT NULL,',
    "  state      text        NOT NULL CHECK (state IN ('in_flight', 'done')),",
    '  expires_at timestamptz NOT NULL',
    ');',
    `CREATE INDEX IF NOT EXISTS ${indexName} ON ${qualified} (expires_at);`,
  ].join('\n');
}

/**
 * Dedupe state in PostgreSQL, shared by every instance of an app: two round trips per delivery.
 * Expiry is judged by the database's `now()`, so instances whose clocks disagree still agree. The
 * table is created only by `migrate()` (or your own migration), never on a request.
 */
export class PostgresDedupeStore implements DedupeStore {
  readonly #pool: PostgresQueryable;
  readonly #table: string;
  readonly #sql: { claim: string; complete: string; release: string; prune: string };

  constructor(options: PostgresDedupeStoreOptions) {
    if (typeof options !== 'object' || options === null) {
      throw new TypeError(
        `PostgresDedupeStore: expected an options object, got ${describeValue(options)}. Example: ${EXAMPLE}`,
      );
    }
    const { pool, table = DEFAULT_TABLE } = options;
    if (typeof pool !== 'object' || pool === null || typeof (pool as { query?: unknown }).query !== 'function') {
      throw new TypeError(
        `PostgresDedupeStore: option "pool" must be a pg Pool (an object with a query method), got ${describeValue(pool)}. Example: ${EXAMPLE}`,
      );
    }
    const { qualified } = parseTable(table);
    this.#pool = pool;
    this.#table = table;
    // now() is fixed for the statement, so the three CASEs below agree on whether the row expired.
    const expired = 'd.expires_at <= now()';
    this.#sql = {
      // ON CONFLICT always updates (a live row unchanged): only then does RETURNING yield the row as
      // it is now, even one a concurrent claim inserted after this statement's snapshot.
      claim: `INSERT INTO ${qualified} AS d (key, token, state, expires_at)
VALUES ($1, $2, 'in_flight', now() + $3::double precision * interval '1 millisecond')
ON CONFLICT (key) DO UPDATE SET
  token      = CASE WHEN ${expired} THEN excluded.token      ELSE d.token      END,
  state      = CASE WHEN ${expired} THEN excluded.state      ELSE d.state      END,
  expires_at = CASE WHEN ${expired} THEN excluded.expires_at ELSE d.expires_at END
RETURNING d.token = $2 AS claimed, d.state`,
      // Only this token's live claim: a worker whose lease expired acts on nothing, as on Redis.
      complete: `UPDATE ${qualified} SET state = 'done', expires_at = now() + $3::double precision * interval '1 millisecond'
WHERE key = $1 AND token = $2 AND state = 'in_flight' AND expires_at > now()`,
      release: `DELETE FROM ${qualified} WHERE key = $1 AND token = $2 AND state = 'in_flight'`,
      prune: `DELETE FROM ${qualified} WHERE expires_at <= now()`,
    };
  }

  /**
   * Creates the table and its index if missing; safe from every instance at once: concurrent
   * CREATE TABLE IF NOT EXISTS can fail with a duplicate key, so an advisory lock makes them take turns.
   */
  async migrate(): Promise<void> {
    // A query without parameters is one transaction, so the lock holds until both statements are done.
    await this.#pool.query(
      `SELECT pg_advisory_xact_lock(hashtext('idwise-webhooks:migrate'));\n${postgresDedupeTableSql(this.#table)}`,
    );
  }

  async claim(key: string, leaseMs: number): Promise<ClaimResult> {
    const token = randomUUID();
    const { rows } = await this.#query(this.#sql.claim, [key, token, milliseconds(leaseMs, 'leaseMs')]);
    const row = rows[0];
    if (row?.claimed === true) return { state: 'claimed', token };
    return row?.state === 'done' ? { state: 'done' } : { state: 'in_flight' };
  }

  async complete(key: string, token: string, retentionMs: number): Promise<void> {
    await this.#query(this.#sql.complete, [key, token, milliseconds(retentionMs, 'retentionMs')]);
  }

  async release(key: string, token: string): Promise<void> {
    await this.#query(this.#sql.release, [key, token]);
  }

  /** Delete the rows whose lease or retention has ended; returns how many. Run it from a schedule. */
  async prune(): Promise<number> {
    const { rowCount } = await this.#query(this.#sql.prune, []);
    return rowCount ?? 0;
  }

  async #query(text: string, values: unknown[]) {
    try {
      return await this.#pool.query(text, values);
    } catch (error) {
      const code = (error as { code?: unknown } | null)?.code;
      // 42P01 undefined_table, 3F000 invalid_schema_name.
      if (code === '42P01' || code === '3F000') {
        throw new Error(
          `PostgresDedupeStore: table "${this.#table}" does not exist. Run \`await store.migrate()\` once at startup, ` +
            'or apply the SQL from postgresDedupeTableSql() with your migration tool.',
          { cause: error },
        );
      }
      throw error;
    }
  }
}

function parseTable(table: unknown): { qualified: string; indexName: string } {
  const parts = typeof table === 'string' ? table.split('.') : [];
  const name = parts.at(-1) ?? '';
  const valid =
    (parts.length === 1 || parts.length === 2) &&
    TABLE_PART.test(name) &&
    (parts.length === 1 || IDENTIFIER.test(parts[0] ?? ''));
  if (!valid) {
    throw new TypeError(
      `PostgresDedupeStore: option "table" must be a table name of lowercase letters, digits and underscores ` +
        `(at most 48 characters), optionally after a schema name and a dot, got ${describeValue(table)}. ` +
        "Example: new PostgresDedupeStore({ pool, table: 'my_schema.idwise_dedupe' })",
    );
  }
  // Validated above, quoted anyway so that a reserved word (`user`, `order`) is a valid name too.
  return { qualified: parts.map((part) => `"${part}"`).join('.'), indexName: `"${name}_expires_at_idx"` };
}

function milliseconds(ms: number, name: string): number {
  if (!Number.isFinite(ms) || ms <= 0) {
    throw new RangeError(
      `PostgresDedupeStore: ${name} must be a positive number of milliseconds, got ${describeValue(ms)}.`,
    );
  }
  return ms;
}
