// Sends per second into ONE conversation with 8 concurrent writers, the database alone: the bare
// row-lock numbering transaction (lock the conversation row by bumping its counter, insert the
// numbered message, commit) beside chat_send at 2 and at 1000 participants. On Postgres the writers
// are pgbench clients (8 connections, a process of their own; without pgbench on the PATH, 8 loops on
// the stack's connection pool); on PGlite, which is one session, 8 loops whose transactions the stack
// serialises. chat_send's message carries a client_msg_id, as the client's do. The three alternate over rounds.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type Bench, createConversation, createUsers } from './harness.ts';
import { middle, round } from './stats.ts';

export const WRITERS = 8;

export interface RowLockResult {
  writers: number;
  seconds: number;
  /** Transactions per second, one value per round. */
  floorRounds: number[];
  chatSend2Rounds: number[];
  chatSend1000Rounds: number[];
  floor: number;
  chatSend2: number;
  chatSend1000: number;
  /** Participants of the large conversation (1000, fewer in quick runs). */
  largeParticipants: number;
  writersVia: 'pgbench' | 'in-process';
}

const FLOOR = `begin;
with n as (update public.conversations set last_message_number = last_message_number + 1 where id = :chat returning last_message_number)
insert into public.messages (chat_id, message_number, user_id, text) select cast(:chat as uuid), last_message_number, cast(:sub as uuid), 'floor' from n;
commit;
`;
const CHAT_SEND = `begin;
select set_config('role', 'authenticated', true), set_config('request.jwt.claims', :claims, true), set_config('request.jwt.claim.sub', :sub, true);
select public.chat_send(:chat, jsonb_build_array(jsonb_build_object('text', 'pgbench', 'client_msg_id', gen_random_uuid()::text)));
commit;
`;

interface Workload {
  chat: string;
  sub: string;
  claims: string;
}

async function pgbench(url: string, script: string, w: Workload, seconds: number): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'inbox-pgbench-'));
  try {
    writeFileSync(join(dir, 'script.sql'), script);
    const args = ['-n', '-M', 'extended', '-c', String(WRITERS), '-j', '2', '-T', String(seconds), '-f', join(dir, 'script.sql')];
    for (const [name, value] of Object.entries(w)) args.push('-D', `${name}=${value}`);
    const { stdout } = await promisify(execFile)('pgbench', [...args, url]);
    const tps = /tps = ([\d.]+)/.exec(stdout);
    if (!tps) throw new Error(`pgbench printed no tps: ${stdout}`);
    return Number(tps[1]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** PGlite: the same transactions from 8 loops for the given time; commits per second. */
async function inProcess(bench: Bench, kind: 'floor' | 'chat_send', w: Workload, seconds: number): Promise<number> {
  const { db } = bench.stack;
  const deadline = performance.now() + seconds * 1000;
  let committed = 0;
  const once = () =>
    db.transaction(async (tx) => {
      if (kind === 'floor') {
        await tx.query(
          `with n as (update public.conversations set last_message_number = last_message_number + 1 where id = $1::uuid returning last_message_number)
           insert into public.messages (chat_id, message_number, user_id, text) select $1::uuid, last_message_number, $2::uuid, 'floor' from n`,
          [w.chat, w.sub],
        );
      } else {
        await tx.query(`select set_config('role', 'authenticated', true), set_config('request.jwt.claims', $1, true), set_config('request.jwt.claim.sub', $2, true)`, [w.claims, w.sub]);
        await tx.query(`select public.chat_send($1, jsonb_build_array(jsonb_build_object('text', 'loop', 'client_msg_id', gen_random_uuid()::text)))`, [w.chat]);
      }
    });
  const started = performance.now();
  await Promise.all(Array.from({ length: WRITERS }, async () => {
    while (performance.now() < deadline) {
      await once();
      if (performance.now() <= deadline) committed++;
    }
  }));
  return committed / (Math.max(performance.now(), deadline) - started) * 1000;
}

export async function rowLock(bench: Bench, seconds: number, rounds: number, largeParticipants: number): Promise<RowLockResult> {
  const users = await createUsers(bench, largeParticipants);
  const [owner] = users;
  const workload = async (participants: number): Promise<Workload> => ({
    chat: await createConversation(bench, owner, users.slice(1, participants)),
    sub: owner.id,
    claims: JSON.stringify({ sub: owner.id, role: 'authenticated' }),
  });
  const floorW = await workload(2);
  const small = await workload(2);
  const large = await workload(largeParticipants);
  const url = bench.stack.dbUrl && (await hasPgbench()) ? bench.stack.dbUrl : undefined;
  const run = (kind: 'floor' | 'chat_send', w: Workload, s: number) =>
    url ? pgbench(url, kind === 'floor' ? FLOOR : CHAT_SEND, w, s) : inProcess(bench, kind, w, s);

  const runs = [
    { key: 'floorRounds', go: (s: number) => run('floor', floorW, s) },
    { key: 'chatSend2Rounds', go: (s: number) => run('chat_send', small, s) },
    { key: 'chatSend1000Rounds', go: (s: number) => run('chat_send', large, s) },
  ] as const;
  for (const { go } of runs) await go(1);
  const result = { floorRounds: [] as number[], chatSend2Rounds: [] as number[], chatSend1000Rounds: [] as number[] };
  for (let r = 0; r < rounds; r++) {
    for (let k = 0; k < runs.length; k++) {
      const { key, go } = runs[(r + k) % runs.length];
      result[key].push(round(await go(seconds)));
    }
  }
  return {
    writers: WRITERS,
    seconds,
    ...result,
    floor: middle(result.floorRounds),
    chatSend2: middle(result.chatSend2Rounds),
    chatSend1000: middle(result.chatSend1000Rounds),
    largeParticipants,
    writersVia: url ? 'pgbench' : 'in-process',
  };
}

const hasPgbench = () => promisify(execFile)('pgbench', ['--version']).then(() => true, () => false);
