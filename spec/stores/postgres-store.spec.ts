import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresDedupeStore, postgresDedupeTableSql } from '../../lib/stores/postgres-store.js';
import { runDedupeStoreContract } from '../../lib/testing/store-contract.js';
import { roundTripsPerDelivery } from '../support/round-trips.js';

const url = process.env.DATABASE_URL;
// Every table this run creates lives in this schema, dropped at the end, so runs never collide.
const schema = `idwise_test_${randomUUID().replaceAll('-', '')}`;

describe.skipIf(!url)('PostgresDedupeStore on a real server', () => {
  let pool: pg.Pool;
  const migrated = new Map<string, Promise<PostgresDedupeStore>>();

  /** One migrated store per table, made once. */
  function storeFor(table: string): Promise<PostgresDedupeStore> {
    if (!migrated.has(table)) {
      const store = new PostgresDedupeStore({ pool, table: `${schema}.${table}` });
      migrated.set(
        table,
        store.migrate().then(() => store),
      );
    }
    return migrated.get(table)!;
  }

  beforeAll(async () => {
    pool = new pg.Pool({ connectionString: url, max: 10 });
    await pool.query(`CREATE SCHEMA ${schema}`);
  });

  afterAll(async () => {
    await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await pool.end();
  });

  runDedupeStoreContract('PostgresDedupeStore', ({ namespace }) => storeFor(`dedupe_${namespace}`), { describe, it });

  it('costs a delivery one statement to claim and one to settle, and a duplicate one', async () => {
    await storeFor('round_trips'); // creates and migrates the table
    // The same table through a pool wrapper that counts what reaches the database.
    const statements: string[] = [];
    const counting = {
      query: (text: string, values?: unknown[]) => {
        statements.push(text);
        return pool.query(text, values);
      },
    };
    const counted = new PostgresDedupeStore({ pool: counting, table: `${schema}.round_trips` });
    // New event: claim + complete. Duplicate: claim. Failing listener: claim + release.
    expect(await roundTripsPerDelivery(counted, statements)).toEqual({ statuses: [200, 200, 500], counts: [2, 1, 2] });
  });

  it('creates the table and its index on migrate, and a second migrate changes nothing', async () => {
    const store = new PostgresDedupeStore({ pool, table: `${schema}.twice` });
    await store.migrate();
    await store.migrate();
    const { rows } = await pool.query(
      `SELECT column_name, data_type, is_nullable FROM information_schema.columns
       WHERE table_schema = $1 AND table_name = 'twice' ORDER BY ordinal_position`,
      [schema],
    );
    expect(rows).toEqual([
      { column_name: 'key', data_type: 'text', is_nullable: 'NO' },
      { column_name: 'token', data_type: 'text', is_nullable: 'NO' },
      { column_name: 'state', data_type: 'text', is_nullable: 'NO' },
      { column_name: 'expires_at', data_type: 'timestamp with time zone', is_nullable: 'NO' },
    ]);
    const indexes = await pool.query(
      'SELECT indexname FROM pg_indexes WHERE schemaname = $1 AND tablename = $2 ORDER BY 1',
      [schema, 'twice'],
    );
    expect(indexes.rows.map((r) => r.indexname)).toEqual(['twice_expires_at_idx', 'twice_pkey']);
  });

  it('lets several instances migrate one table at the same moment', async () => {
    const stores = Array.from({ length: 6 }, () => new PostgresDedupeStore({ pool, table: `${schema}.racing` }));
    await Promise.all(stores.map((store) => store.migrate()));
    expect((await stores[0]!.claim(randomUUID(), 1_000)).state).toBe('claimed');
  });

  it('works with a table name that is a reserved word', async () => {
    const store = new PostgresDedupeStore({ pool, table: `${schema}.user` });
    await store.migrate();
    expect((await store.claim(randomUUID(), 1_000)).state).toBe('claimed');
  });

  it('never creates the table on a request: claiming before migrate fails and says to migrate', async () => {
    const store = new PostgresDedupeStore({ pool, table: `${schema}.never_migrated` });
    await expect(store.claim(randomUUID(), 1_000)).rejects.toThrow(
      /table "idwise_test_\w+\.never_migrated" does not exist\. Run `await store\.migrate\(\)`/,
    );
    const { rows } = await pool.query('SELECT to_regclass($1) AS found', [`${schema}.never_migrated`]);
    expect(rows[0].found).toBeNull();
  });

  it('prunes the rows whose lease or retention ended, returns how many, and keeps the live ones', async () => {
    const store = new PostgresDedupeStore({ pool, table: `${schema}.pruning` });
    await store.migrate();
    const doneSoon = await store.claim('done-soon', 60_000);
    if (doneSoon.state !== 'claimed') throw new Error('expected a claim');
    await store.complete('done-soon', doneSoon.token, 50);
    await store.claim('lease-ends-soon', 50);
    const liveDone = await store.claim('done-for-long', 60_000);
    if (liveDone.state !== 'claimed') throw new Error('expected a claim');
    await store.complete('done-for-long', liveDone.token, 60_000);
    await store.claim('in-flight-for-long', 60_000);
    await new Promise((resolve) => setTimeout(resolve, 100));

    expect(await store.prune()).toBe(2);
    expect(await store.prune()).toBe(0);
    const { rows } = await pool.query(`SELECT key, state FROM ${schema}.pruning ORDER BY key`);
    expect(rows).toEqual([
      { key: 'done-for-long', state: 'done' },
      { key: 'in-flight-for-long', state: 'in_flight' },
    ]);
  });

  it('sets expiry from the database clock', async () => {
    const store = new PostgresDedupeStore({ pool, table: `${schema}.clock` });
    await store.migrate();
    const key = randomUUID();
    await store.claim(key, 30_000);
    const { rows } = await pool.query(
      `SELECT extract(epoch FROM expires_at - now()) * 1000 AS remaining_ms FROM ${schema}.clock WHERE key = $1`,
      [key],
    );
    expect(Number(rows[0].remaining_ms)).toBeGreaterThan(25_000);
    expect(Number(rows[0].remaining_ms)).toBeLessThanOrEqual(30_000);
  });
});

describe('PostgresDedupeStore options', () => {
  const pool = { query: async () => ({ rows: [], rowCount: 0 }) };

  it.each([
    ['an injection attempt', 'x; DROP TABLE users; --'],
    ['upper-case letters', 'Dedupe'],
    ['a quoted name', '"dedupe"'],
    ['three dotted parts', 'db.public.dedupe'],
    ['an empty string', ''],
    ['a name too long for its index name', 'a'.repeat(49)],
    ['a number', 42],
  ])('rejects %s as the table name, with the type and an example', (_, table) => {
    const make = () => new PostgresDedupeStore({ pool, table: table as never });
    expect(make).toThrow(TypeError);
    expect(make).toThrow(
      /option "table" must be a table name of lowercase letters.*got (a string of length \d+|an empty string|the number 42)\. Example: new PostgresDedupeStore\(\{ pool, table: 'my_schema\.idwise_dedupe' \}\)/,
    );
  });

  it('accepts a schema-qualified table name', () => {
    expect(() => new PostgresDedupeStore({ pool, table: 'my_schema.idwise_dedupe' })).not.toThrow();
  });

  it.each([
    ['nothing', undefined, 'undefined'],
    ['a connection string', 'postgres://user:secret@host/db', 'a string of length 30'],
    ['an object without query', {}, 'an object'],
  ])('rejects %s as the pool, naming the option and the type', (_, badPool, described) => {
    const make = () => new PostgresDedupeStore({ pool: badPool as never });
    expect(make).toThrow(TypeError);
    expect(make).toThrow(
      `option "pool" must be a pg Pool (an object with a query method), got ${described}. Example: new PostgresDedupeStore`,
    );
    expect(make).toThrow(/^(?!.*secret).*$/s);
  });

  it('shows the default DDL for the README, creating table and index idempotently', () => {
    expect(postgresDedupeTableSql()).toBe(
      [
        'CREATE TABLE IF NOT EXISTS "idwise_dedupe" (',
        '  key        text        PRIMARY KEY,',
        '  token      text        NOT NULL,',
        "  state      text        NOT NULL CHECK (state IN ('in_flight', 'done')),",
        '  expires_at timestamptz NOT NULL',
        ');',
        'CREATE INDEX IF NOT EXISTS "idwise_dedupe_expires_at_idx" ON "idwise_dedupe" (expires_at);',
      ].join('\n'),
    );
  });

  it('accepts a real pg Pool by type', () => {
    const types = (real: pg.Pool) => new PostgresDedupeStore({ pool: real });
    expect(types).toBeTypeOf('function');
  });
});
