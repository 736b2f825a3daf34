// How lite talks to Postgres, made cheaper and countable without forking it.
import type { PGlite } from '@electric-sql/pglite';
import type { Connection } from '@supabase/lite';
import { type Kysely, sql } from 'kysely';
import type postgres from 'postgres';

type Settings = Record<string, string>;

/**
 * Marks a statement whose result lite never reads, so the driver may send it with the next one
 * (see deferStatements). Only the statements this file writes carry it.
 */
const DEFERRABLE = '/* deferrable */';

/** One SELECT setting every GUC, transaction-local, in the given order. */
function setConfigs(tx: Kysely<unknown>, settings: Settings) {
  const calls = Object.entries(settings).map(([name, value]) => sql`set_config(${name}, ${value}, true)`);
  return sql`${sql.raw(DEFERRABLE)} select ${sql.join(calls)}`.execute(tx);
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

/** A statement the driver may hold back and send with the next: BEGIN, and the settings above. */
export const isDeferrable = (text: string) => text.startsWith(DEFERRABLE) || /^begin$/i.test(text.trim());

/** What lite's driver sent: statements, and the round trips to the database they took. */
export interface StatementCounts {
  statements: number;
  roundTrips: number;
}

/** A statement text with its $n parameters written as string literals (E'' quoting: any setting). */
export function inlineParameters(text: string, params: readonly unknown[]): string {
  return text.replace(/\$(\d+)/g, (_, n: string) => `E'${String(params[Number(n) - 1]).replace(/\\/g, '\\\\').replace(/'/g, "''")}'`);
}

const EMPTY_PGLITE_RESULT = { rows: [], fields: [], affectedRows: 0 };
const emptyPostgresResult = () => Object.assign([], { command: 'SELECT', count: 0 });

/**
 * lite sends every statement of a request and waits for its answer before the next: BEGIN, its two
 * settings statements, the call, the response settings, COMMIT. BEGIN and the settings answer
 * nothing lite reads, so they are held back and go with the next statement:
 * - PGlite: each query is a full pass through the WebAssembly backend and its protocol (~0.5 ms here
 *   even for `select 1`), so the held statements run as one multi-statement `exec` before the next
 *   query: three passes become one.
 * - Postgres: postgres.js pipelines what is sent on one connection, so the held statements are sent
 *   at once and their answers awaited with the next statement's: four round trips become one.
 * A held statement's error surfaces as the next statement's (the transaction is aborted then anyway,
 * and lite rolls it back). Every statement is counted, and every round trip.
 */
export function deferStatements(connection: Connection, kind: 'pglite' | 'postgres'): () => StatementCounts {
  const counts: StatementCounts = { statements: 0, roundTrips: 0 };
  if (kind === 'pglite') {
    const pg = connection.driver as PGlite;
    const query = pg.query.bind(pg);
    const exec = pg.exec.bind(pg);
    let held: string[] = [];
    // Anything run with exec while statements are held runs after them, in the same pass.
    pg.exec = ((text: string, options?: unknown) => {
      if (held.length === 0) return exec(text, options as never);
      // Each held entry is one statement, so the caller's results follow theirs.
      const before = held.length;
      const batch = [...held, text].join(';\n');
      held = [];
      counts.roundTrips++;
      return exec(batch, options as never).then((results) => results.slice(before));
    }) as PGlite['exec'];
    pg.query = (async (text: string, params?: unknown[], options?: unknown) => {
      counts.statements++;
      if (isDeferrable(text)) {
        held.push(inlineParameters(text, params ?? []));
        return EMPTY_PGLITE_RESULT;
      }
      if (held.length > 0) {
        const batch = held.join(';\n');
        held = [];
        counts.roundTrips++;
        await exec(batch);
      }
      counts.roundTrips++;
      return query(text, params, options as never);
    }) as PGlite['query'];
  } else {
    // lite's Kysely dialect reserves a connection per query or transaction and sends with `unsafe`.
    const driver = connection.driver as postgres.Sql;
    const reserve = driver.reserve.bind(driver);
    driver.reserve = async () => {
      const reserved = await reserve();
      const unsafe = reserved.unsafe.bind(reserved);
      let held: Promise<unknown>[] = [];
      reserved.unsafe = ((text: string, params?: never[], options?: never) => {
        counts.statements++;
        const sent = unsafe(text, params, options);
        if (isDeferrable(text)) {
          // Sent now (a postgres.js query starts when awaited), answered with the next statement.
          const answered = sent.then(() => undefined);
          answered.catch(() => {});
          held.push(answered);
          return Promise.resolve(emptyPostgresResult());
        }
        counts.roundTrips++;
        if (held.length === 0) return sent;
        const waiting = held;
        held = [];
        return Promise.all([...waiting, sent]).then(() => sent);
      }) as typeof unsafe;
      return reserved;
    };
  }
  return () => ({ ...counts });
}
