// The database part alone: our send RPC as PostgREST runs it (role and claims set in the
// transaction) against a bare INSERT into the same table, one transaction each, sequentially.
import { type Bench, createConversation, createUsers } from './harness.ts';
import { median, percentile, round } from './stats.ts';

export interface DatabaseResult {
  iterations: number;
  rpcMedianMs: number;
  rpcP99Ms: number;
  insertMedianMs: number;
  insertP99Ms: number;
  /** Rows inserted/updated/deleted by one chat_send, from pg_stat_xact_user_tables. */
  rpcRowsWritten: number;
  /** Per second, one connection: chat_send and bare inserts. */
  rpcPerSecond: number;
  insertPerSecond: number;
}

const AS_USER = `select set_config('role', 'authenticated', true), set_config('request.jwt.claims', $1, true),
                        set_config('request.jwt.claim.sub', $2, true)`;
const ROWS_WRITTEN = `select coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del), 0)::int n
                      from pg_stat_xact_user_tables where schemaname in ('public', 'auth')`;

export async function databaseCost(bench: Bench, iterations: number): Promise<DatabaseResult> {
  const [owner, member] = await createUsers(bench, 2);
  const rpcChat = await createConversation(bench, owner, [member]);
  const insertChat = await createConversation(bench, owner, [member]);
  const claims = JSON.stringify({ sub: owner.id, role: 'authenticated' });
  const { db } = bench.stack;

  // Rows written are the change of the transaction's table counters across the call (PGlite's one
  // backend does not reset them between transactions, so an absolute reading would overcount).
  const rpc = (text: string) =>
    db.transaction(async (tx) => {
      const before = (await tx.query<{ n: number }>(ROWS_WRITTEN))[0].n;
      await tx.query(AS_USER, [claims, owner.id]);
      await tx.query('select public.chat_send($1, $2::jsonb)', [rpcChat, JSON.stringify([{ text }])]);
      await tx.query("select set_config('role', 'none', true)");
      return (await tx.query<{ n: number }>(ROWS_WRITTEN))[0].n - before;
    });
  const insert = (n: number) =>
    db.transaction((tx) =>
      tx.query('insert into public.messages (chat_id, message_number, user_id, text) values ($1, $2, $3, $4)', [insertChat, n, owner.id, `m${n}`])
    );

  const timed = async (run: (i: number) => Promise<unknown>) => {
    const samples: number[] = [];
    for (let i = 1; i <= iterations; i++) {
      const started = performance.now();
      await run(i);
      samples.push(performance.now() - started);
    }
    return samples;
  };
  const rowsWritten = await rpc('warm-up');
  await insert(iterations + 1);
  const rpcSamples = await timed((i) => rpc(`m${i}`));
  const insertSamples = await timed((i) => insert(i));
  const total = (samples: number[]) => samples.reduce((a, b) => a + b, 0);
  return {
    iterations,
    rpcMedianMs: round(median(rpcSamples), 2),
    rpcP99Ms: round(percentile(rpcSamples, 99), 2),
    insertMedianMs: round(median(insertSamples), 2),
    insertP99Ms: round(percentile(insertSamples, 99), 2),
    rpcRowsWritten: rowsWritten,
    rpcPerSecond: round((iterations * 1000) / total(rpcSamples)),
    insertPerSecond: round((iterations * 1000) / total(insertSamples)),
  };
}
