// The database part alone: our send RPC against a bare INSERT into the same table, each in its own
// transaction wrapped identically (the same set_config statement PostgREST's context needs: role
// authenticated and the caller's claims for the RPC, the connection's own role for the INSERT, which
// RLS would refuse as authenticated). One connection, sequential; the two alternate send by send, over
// rounds. The RPC's message carries a client_msg_id, as every send from the client does. Rows written
// are read once, outside anything timed.
import { randomUUID } from 'node:crypto';
import { type Bench, createConversation, createUsers } from './harness.ts';
import { type Distribution, distribution, type Ratio, ratioOf } from './stats.ts';

export interface DatabaseResult {
  rounds: number;
  iterationsPerRound: number;
  rpc: Distribution;
  insert: Distribution;
  /** chat_send / INSERT, median, with the per-round range. */
  ratio: Ratio;
  /** Rows inserted/updated/deleted by one chat_send, from pg_stat_xact_user_tables. */
  rpcRowsWritten: number;
}

const CONTEXT = `select set_config('role', $1, true), set_config('request.jwt.claims', $2, true), set_config('request.jwt.claim.sub', $3, true)`;
const ROWS_WRITTEN = `select coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del), 0)::int n
                      from pg_stat_xact_user_tables where schemaname in ('public', 'auth')`;

export async function databaseCost(bench: Bench, rounds: number, iterationsPerRound: number): Promise<DatabaseResult> {
  const [owner, member] = await createUsers(bench, 2);
  const rpcChat = await createConversation(bench, owner, [member]);
  const insertChat = await createConversation(bench, owner, [member]);
  const claims = JSON.stringify({ sub: owner.id, role: 'authenticated' });
  const { db } = bench.stack;

  const rpc = (text: string) =>
    db.transaction(async (tx) => {
      await tx.query(CONTEXT, ['authenticated', claims, owner.id]);
      await tx.query('select public.chat_send($1, $2::jsonb)', [rpcChat, JSON.stringify([{ text, client_msg_id: randomUUID() }])]);
    });
  let n = 0;
  const insert = () =>
    db.transaction(async (tx) => {
      await tx.query(CONTEXT, ['none', claims, owner.id]);
      n++;
      await tx.query('insert into public.messages (chat_id, message_number, user_id, text) values ($1, $2, $3, $4)', [insertChat, n, owner.id, `m${n}`]);
    });
  // Counted in a transaction of its own (PGlite's one backend does not reset the counters between
  // transactions, so the change across the call is what one send wrote).
  const rpcRowsWritten = await db.transaction(async (tx) => {
    const before = (await tx.query<{ n: number }>(ROWS_WRITTEN))[0].n;
    await tx.query(CONTEXT, ['authenticated', claims, owner.id]);
    await tx.query('select public.chat_send($1, $2::jsonb)', [rpcChat, JSON.stringify([{ text: 'counted', client_msg_id: randomUUID() }])]);
    await tx.query("select set_config('role', 'none', true)");
    return (await tx.query<{ n: number }>(ROWS_WRITTEN))[0].n - before;
  });
  await rpc('warm-up');
  await insert();

  const time = async (run: () => Promise<unknown>) => {
    const started = performance.now();
    await run();
    return performance.now() - started;
  };
  const rpcRounds: number[][] = [];
  const insertRounds: number[][] = [];
  for (let r = 0; r < rounds; r++) {
    const rpcSamples: number[] = [];
    const insertSamples: number[] = [];
    for (let i = 0; i < iterationsPerRound; i++) {
      // Alternate which goes first so neither always runs on a warmer cache.
      if (i % 2 === 0) {
        rpcSamples.push(await time(() => rpc(`r${r}-${i}`)));
        insertSamples.push(await time(insert));
      } else {
        insertSamples.push(await time(insert));
        rpcSamples.push(await time(() => rpc(`r${r}-${i}`)));
      }
    }
    rpcRounds.push(rpcSamples);
    insertRounds.push(insertSamples);
  }
  const rpcDist = distribution(rpcRounds);
  const insertDist = distribution(insertRounds);
  return {
    rounds,
    iterationsPerRound,
    rpc: rpcDist,
    insert: insertDist,
    ratio: ratioOf(rpcDist, rpcRounds, insertDist, insertRounds)!,
    rpcRowsWritten,
  };
}
