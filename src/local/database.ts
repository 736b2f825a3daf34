import { mkdirSync } from 'node:fs';
import type { PGlite, PGliteInterface, Transaction } from '@electric-sql/pglite';
import type { Connection } from '@supabase/lite';
import { createPgliteConnection } from '@supabase/lite/pglite';
import { createPostgresConnection } from '@supabase/lite/postgres';
import type postgres from 'postgres';

export type Query = <T = Record<string, unknown>>(sql: string, params?: unknown[]) => Promise<T[]>;

/** One open transaction: `exec` runs a multi-statement script, `query` one parameterised statement. */
export interface Tx {
  exec(sql: string): Promise<void>;
  query: Query;
}

/** The stack's database: the connection @supabase/lite serves from, plus what the stack itself runs. */
export interface StackDatabase {
  kind: 'pglite' | 'postgres';
  connection: Connection;
  /** Postgres only: the URL edge functions get as SUPABASE_DB_URL. */
  url?: string;
  /**
   * Runs fn with the database to itself where that matters. PGlite is one session shared by lite and
   * the stack; lite does not serialise requests, so without this, overlapping requests run inside
   * each other's transactions (under each other's roles).
   */
  exclusive<T>(fn: () => Promise<T>): Promise<T>;
  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
  /** A transaction that is always rolled back: Realtime's authorization probes. */
  withRollback<T>(fn: (query: Query) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** Postgres; when absent the stack runs on embedded PGlite. */
  databaseUrl?: string;
  /** PGlite data directory; absent means in-memory. */
  dataDir?: string;
}

function serialiser() {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(fn: () => Promise<T>): Promise<T> => {
    const run = tail.then(fn, fn);
    tail = run.catch(() => {});
    return run;
  };
}

type WithRollback = StackDatabase['withRollback'];

/** PGlite: roll back explicitly (the transaction may already be closed by an error). */
export function pgliteWithRollback(pg: Pick<PGliteInterface, 'transaction'>): WithRollback {
  return (fn) =>
    pg.transaction(async (tx: Transaction) => {
      try {
        return await fn(async (text, params = []) => (await tx.query(text, params)).rows as never);
      } finally {
        if (!tx.closed) await tx.rollback();
      }
    });
}

class Rollback {
  constructor(readonly value: unknown) {}
}

/** postgres.js commits when its callback returns, so the result leaves by throwing. */
export function postgresWithRollback(sql: postgres.Sql): WithRollback {
  return async (fn) => {
    try {
      await sql.begin(async (tx) => {
        throw new Rollback(await fn((text, params = []) => tx.unsafe(text, params as never[]) as never));
      });
    } catch (error) {
      if (error instanceof Rollback) return error.value as never;
      throw error;
    }
    throw new Error('unreachable: the transaction callback always throws');
  };
}

/**
 * lite hands RPC arguments to the driver already serialised as JSON text, and configures postgres.js
 * to JSON.stringify json/jsonb parameters, so a jsonb argument arrives as a JSON *string* (PGlite
 * passes strings through, which is what lite expects). Pass JSON text through here too.
 */
function passJsonTextThrough(sql: postgres.Sql): void {
  const serializers = (sql.options as unknown as { serializers: Record<number, (value: unknown) => unknown> }).serializers;
  for (const oid of [114, 3802]) {
    serializers[oid] = (value) => (typeof value === 'string' ? value : JSON.stringify(value));
  }
  // postgres.js turns anything but `true` into 'f': an RPC called with is_public "maybe" (or 2) stored
  // false. Postgres reads the value itself, as from PostgREST, so a wrong type is a 22P02 (400).
  serializers[16] = (value) =>
    typeof value === 'boolean' ? (value ? 't' : 'f') : typeof value === 'string' ? value : JSON.stringify(value);
}

/** How long close() lets queries in flight finish before it drops the connections. */
export const CLOSE_GRACE_SECONDS = 2;

function openPostgres(url: string): StackDatabase {
  const connection = createPostgresConnection({ url, postgresOptions: { max: 10, onnotice: () => {} } });
  const sql = connection.driver as postgres.Sql;
  passJsonTextThrough(sql);
  const asTx = (tx: postgres.TransactionSql): Tx => ({
    exec: async (text) => void (await tx.unsafe(text)),
    query: (text, params = []) => tx.unsafe(text, params as never[]) as never,
  });
  return {
    kind: 'postgres',
    connection,
    url,
    exclusive: (fn) => fn(),
    transaction: (fn) => sql.begin((tx) => fn(asTx(tx))) as never,
    withRollback: postgresWithRollback(sql),
    // lite's close() waits for every query in flight without end: a soak's teardown once hung there for
    // good behind a request still waiting. Give them a moment, then drop the connections.
    close: () => sql.end({ timeout: CLOSE_GRACE_SECONDS }),
  };
}

async function openPglite(dataDir?: string): Promise<StackDatabase> {
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  const connection = await createPgliteConnection(dataDir ? { url: dataDir } : {});
  const pg = connection.driver as PGlite;
  const exclusive = serialiser();
  const withRollback = pgliteWithRollback(pg);
  const asTx = (tx: Transaction): Tx => ({
    exec: async (text) => void (await tx.exec(text)),
    query: async (text, params = []) => (await tx.query(text, params)).rows as never,
  });
  return {
    kind: 'pglite',
    connection,
    exclusive,
    transaction: (fn) => exclusive(() => pg.transaction((tx) => fn(asTx(tx)))),
    withRollback: (fn) => exclusive(() => withRollback(fn)),
    close: () => exclusive(() => connection.close()),
  };
}

export async function openDatabase(options: DatabaseOptions): Promise<StackDatabase> {
  return options.databaseUrl ? openPostgres(options.databaseUrl) : openPglite(options.dataDir);
}
