import { randomUUID } from 'node:crypto';
import type { StackDatabase } from '../database.ts';
import type { ChannelPolicy, Claims, Extension } from './types.ts';

/** Runs fn in ONE transaction that is always rolled back. */
export type RollbackRunner = Pick<StackDatabase, 'withRollback'>;

const INSUFFICIENT_PRIVILEGE = '42501';

// The transaction-local settings hosted Realtime applies (Authorization.set_conn_config). Our
// auth.uid() reads only request.jwt.claim.sub, so that one is load-bearing.
const SET_CONTEXT = `select
  set_config('role', $1, true),
  set_config('realtime.topic', $2, true),
  set_config('request.jwt.claims', $3, true),
  set_config('request.jwt.claim.sub', $4, true),
  set_config('request.jwt.claim.role', $1, true)`;

const contextParams = (claims: Claims, topic: string) => [claims.role, topic, JSON.stringify(claims), claims.sub ?? ''];

/**
 * Authorizes exactly as hosted Realtime does, by running the project's `realtime.messages` RLS
 * policies: reads probe a row inserted as the connection user and then selected as the caller;
 * writes try an insert as the caller. Both roll back. Database errors propagate.
 */
export function createDatabasePolicy(db: RollbackRunner): ChannelPolicy {
  return {
    canRead: (claims, topic, extension: Extension = 'broadcast') =>
      db.withRollback(async (query) => {
        // The id is generated here so the probe can be found without RETURNING, as Realtime does.
        const id = randomUUID();
        await query(`insert into realtime.messages (id, topic, extension) values ($1, $2, $3)`, [id, topic, extension]);
        await query(SET_CONTEXT, contextParams(claims, topic));
        const rows = await query('select id from realtime.messages where id = $1', [id]);
        return rows.length > 0;
      }),

    canWrite: (claims, topic, extension: Extension = 'broadcast') =>
      db.withRollback(async (query) => {
        await query(SET_CONTEXT, contextParams(claims, topic));
        await query('savepoint realtime_write_check');
        try {
          await query(`insert into realtime.messages (topic, extension) values ($1, $2)`, [topic, extension]);
          return true;
        } catch (error) {
          if ((error as { code?: unknown }).code !== INSUFFICIENT_PRIVILEGE) throw error;
          await query('rollback to savepoint realtime_write_check');
          return false;
        }
      }),
  };
}
