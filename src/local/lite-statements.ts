// How lite talks to Postgres, made cheaper and countable without forking it.
import type { PGlite } from '@electric-sql/pglite';
import type { Connection } from '@supabase/lite';
import { type Kysely, sql } from 'kysely';
import type postgres from 'postgres';

type Settings = Record<string, string>;

/** One SELECT setting every GUC, transaction-local, in the given order. */
function setConfigs(tx: Kysely<unknown>, settings: Settings) {
  const calls = Object.entries(settings).map(([name, value]) => sql`set_config(${name}, ${value}, true)`);
  return sql`select ${sql.join(calls)}`.execute(tx);
}

interface JwtContext {
  auth?: { role?: string; uid?: unknown; jwt?: unknown };
  storage?: { operation?: unknown };
}

interface RpcContext {
  method: string;
  path: string;
  requestHeaders?: unknown;
}

/** The two private methods of lite's Postgres connections that set a request's context, one statement each. */
interface ContextSetters {
  applyJwtSessionContext(tx: Kysely<unknown>, vars: JwtContext, setRole: boolean): Promise<void>;
  applyRpcRequestGucs(tx: Kysely<unknown>, rpc: RpcContext): Promise<void>;
}

/**
 * lite sets a request's role, claims and PostgREST `request.*` settings with one `set_config` statement
 * each: up to ten sequential round trips per RPC before the call itself. The same settings, in the same
 * order and with the same values, go in two statements here. Fails loudly if a lite upgrade renamed the
 * methods, rather than silently going back to the slow path.
 */
export function batchContextStatements(connection: Connection): void {
  const target = connection as unknown as ContextSetters;
  if (typeof target.applyJwtSessionContext !== 'function' || typeof target.applyRpcRequestGucs !== 'function') {
    throw new Error('@supabase/lite no longer has applyJwtSessionContext/applyRpcRequestGucs; revisit src/local/lite-statements.ts');
  }
  target.applyJwtSessionContext = async (tx, vars, setRole) => {
    const role = vars.auth?.role || 'anon';
    const jwt = vars.auth?.jwt;
    const claims: Settings = jwt && typeof jwt === 'object' ? { 'request.jwt.claims': JSON.stringify(jwt) } : {};
    await setConfigs(tx, {
      role,
      'request.jwt.claim.sub': String(vars.auth?.uid ?? ''),
      'request.jwt.claim.role': role,
      'storage.operation': String(vars.storage?.operation ?? ''),
      // lite sets the claims after switching a custom role; for the built-in roles nothing lies between.
      ...(setRole ? {} : claims),
    });
    if (!setRole) return;
    // A custom role (not anon/authenticated/service_role) is switched to as lite does it.
    await sql.raw(`set local role "${role.replace(/"/g, '""')}"`).execute(tx);
    if (Object.keys(claims).length > 0) await setConfigs(tx, claims);
  };
  target.applyRpcRequestGucs = async (tx, rpc) => {
    await setConfigs(tx, {
      'response.status': '',
      'response.headers': '',
      'request.method': rpc.method,
      'request.path': rpc.path,
      'request.headers': JSON.stringify(rpc.requestHeaders ?? {}),
    });
  };
}

/** Counts every statement lite's driver sends (the benchmarks report statements per send). */
export function countStatements(connection: Connection, kind: 'pglite' | 'postgres'): () => number {
  let count = 0;
  if (kind === 'pglite') {
    const pg = connection.driver as PGlite;
    const query = pg.query.bind(pg);
    pg.query = ((...args: Parameters<PGlite['query']>) => {
      count++;
      return query(...args);
    }) as PGlite['query'];
  } else {
    // lite's Kysely dialect reserves a connection per query or transaction and sends with `unsafe`.
    const driver = connection.driver as postgres.Sql;
    const reserve = driver.reserve.bind(driver);
    driver.reserve = async () => {
      const reserved = await reserve();
      const unsafe = reserved.unsafe.bind(reserved);
      reserved.unsafe = ((...args: Parameters<typeof unsafe>) => {
        count++;
        return unsafe(...args);
      }) as typeof unsafe;
      return reserved;
    };
  }
  return () => count;
}
