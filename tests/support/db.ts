import { randomUUID } from 'node:crypto';
import { PGlite } from '@electric-sql/pglite';
import postgres from 'postgres';
import { afterAll, beforeAll } from 'vitest';
import { applySchema, createScratchDatabase } from 'supabase-realtime-inbox-local';

/** Claims as PostgREST would set them for a request. */
export type Claims = { sub?: string; role: 'anon' | 'authenticated' | 'service_role'; [k: string]: unknown };
export type Query = <T = Record<string, unknown>>(text: string, params?: unknown[]) => Promise<T[]>;

/** A freshly built database (platform bootstrap + migrations) on one of the two engines. */
export interface TestDb {
  engine: 'postgres' | 'pglite';
  /** As the owner (superuser), outside RLS. */
  query: Query;
  /** In one transaction with role and claims set transaction-locally, as PostgREST does. */
  as<T>(claims: Claims, fn: (query: Query) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

const setClaims = `select set_config('role', $1, true), set_config('request.jwt.claims', $2, true)`;

/** A new, empty database on the test server; drop() removes it (closing any leftover session). */
export const createEmptyPostgresDatabase = () => createScratchDatabase('inbox_test');

export async function createPostgresDb(): Promise<TestDb & { url: string; sql: postgres.Sql }> {
  const database = await createEmptyPostgresDatabase();
  const sql = postgres(database.url, { max: 10, onnotice: () => {} });
  await applySchema((text) => sql.unsafe(text));
  return {
    engine: 'postgres',
    url: database.url,
    sql,
    query: (text, params = []) => sql.unsafe(text, params as never[]) as never,
    as: (claims, fn) =>
      sql.begin(async (tx) => {
        await tx.unsafe(setClaims, [claims.role, JSON.stringify(claims)]);
        return fn((text, params = []) => tx.unsafe(text, params as never[]) as never);
      }) as never,
    async close() {
      await sql.end();
      await database.drop();
    },
  };
}

/**
 * For tests that need real concurrent transactions: registers, in the enclosing file or describe
 * block, a scratch Postgres database created before its tests (`db`), and `connect()` for extra
 * single-connection clients to it. After its tests the connections are ended and the database closed.
 */
export function postgresWithConnections() {
  let db: TestDb & { url: string; sql: postgres.Sql };
  const conns: postgres.Sql[] = [];
  beforeAll(async () => {
    db = await createPostgresDb();
  }, 60_000);
  afterAll(async () => {
    await Promise.all(conns.map((c) => c.end()));
    await db?.close();
  });
  return {
    get db() {
      return db;
    },
    connect() {
      const conn = postgres(db.url, { max: 1, onnotice: () => {} });
      conns.push(conn);
      return conn;
    },
  };
}

export async function createPgliteDb(): Promise<TestDb & { pg: PGlite }> {
  const pg = await PGlite.create();
  await applySchema((text) => pg.exec(text));
  const run = (db: Pick<PGlite, 'query'>): Query => async (text, params = []) =>
    (await db.query(text, params)).rows as never;
  return {
    engine: 'pglite',
    pg,
    query: run(pg),
    as: (claims, fn) =>
      pg.transaction(async (tx) => {
        await tx.query(setClaims, [claims.role, JSON.stringify(claims)]);
        return fn(run(tx));
      }),
    close: () => pg.close(),
  };
}

/** Both engines, for describe.each: a name, and how to create a fresh database on it. */
export const ENGINES = [
  ['postgres', createPostgresDb],
  ['pglite', createPgliteDb],
] as const;

/** Registers, in the enclosing describe block, a database made by `create` before its tests and closed after. */
export function freshDb(create: () => Promise<TestDb>): { readonly db: TestDb } {
  let db: TestDb;
  beforeAll(async () => {
    db = await create();
  }, 60_000);
  afterAll(() => db?.close());
  return {
    get db() {
      return db;
    },
  };
}

export async function addUser(db: TestDb, email = `${randomUUID()}@example.test`): Promise<string> {
  const id = randomUUID();
  await db.query('insert into auth.users (id, email, aud, role) values ($1, $2, $3, $3)', [
    id,
    email,
    'authenticated',
  ]);
  return id;
}

export const user = (sub: string, extra: Record<string, unknown> = {}): Claims => ({
  sub,
  role: 'authenticated',
  ...extra,
});
export const service: Claims = { role: 'service_role' };
export const anon: Claims = { role: 'anon' };
