// Sends per second into ONE conversation from 8 concurrent writers (pgbench), at 2 and 1000
// participants: what the conversation row lock lets through (issue 16, "lock as late as possible").
// `npx tsx bench/chat-send-lock.ts [seconds]` on the Postgres at DATABASE_URL; a scratch database.
import 'supabase-realtime-inbox-local/node-version';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { applySchema } from 'supabase-realtime-inbox-local';
import { createScratchDatabase } from 'supabase-realtime-inbox-local';

const seconds = Number(process.argv[2] ?? 10);
const WRITERS = 8;
const database = await createScratchDatabase('bench_lock');
const sql = postgres(database.url, { max: 1, onnotice: () => {} });
try {
  await applySchema((text) => sql.unsafe(text));
  for (const participants of [2, 1000]) {
    await sql`truncate public.conversations cascade`;
    await sql`delete from auth.users`;
    await sql.unsafe(`insert into auth.users (id, email, aud, role)
      select gen_random_uuid(), 'u' || i || '@bench', 'authenticated', 'authenticated' from generate_series(1, ${participants}) i`);
    const [{ id: owner }] = await sql`select id from auth.users order by email limit 1`;
    const [{ id: chat }] = await sql`insert into public.conversations (user_id, title) values (${owner}, 'bench') returning id`;
    await sql`insert into public.conversations_participants (conversation_id, user_id, role)
      select ${chat}, id, case when id = ${owner} then 'owner' else 'member' end from auth.users`;
    await sql`drop table if exists public.bench_senders`;
    await sql`create table public.bench_senders as select row_number() over (order by email) - 1 as i, id from auth.users order by email limit ${WRITERS}`;
    const dir = mkdtempSync(join(tmpdir(), 'pgbench-'));
    const script = join(dir, 'send.sql');
    writeFileSync(script, `begin;
select set_config('role', 'authenticated', true), set_config('request.jwt.claims', json_build_object('sub', (select id from public.bench_senders where i = :client_id % (select count(*) from public.bench_senders)), 'role', 'authenticated')::text, true);
select public.chat_send('${chat}', jsonb_build_array(jsonb_build_object('text', 'hello', 'client_msg_id', gen_random_uuid()::text)));
commit;
`);
    const url = new URL(database.url);
    const out = execFileSync('pgbench', ['-n', '-c', String(WRITERS), '-j', '2', '-T', String(seconds), '-f', script,
      '-h', url.hostname, '-p', url.port || '5432', '-U', decodeURIComponent(url.username), url.pathname.slice(1)], { encoding: 'utf8' });
    const tps = /tps = ([\d.]+)/.exec(out)?.[1];
    const [{ n }] = await sql`select last_message_number n from public.conversations where id = ${chat}`;
    console.log(JSON.stringify({ event: 'chat_send_lock_bench', participants, writers: WRITERS, seconds, sends_per_second: Number(tps), messages: n }));
  }
} finally {
  await sql.end();
  await database.drop();
}
