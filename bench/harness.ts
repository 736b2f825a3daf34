// What every benchmark needs: a local stack per engine (serving the seed baseline beside our
// functions), users created in bulk, their tokens, and real supabase-js subscribers.
import { join } from 'node:path';
import { createClient, type SupabaseClient } from '@supabase/supabase-js';
import { SignJWT } from 'jose';
import WebSocket from 'ws';
import { type ClientProcess, startClientProcess } from './clients.ts';
import { createScratchDatabase, type LocalStack, resolveProjectDir, type StackLogEntry, startLocalStack } from 'supabase-realtime-inbox-local';

const projectRoot = resolveProjectDir();

export type Engine = 'pglite' | 'postgres';

export interface Bench {
  engine: Engine;
  stack: LocalStack;
  logs: StackLogEntry[];
  /** Summed from the Realtime server's realtime_rest_broadcast log lines. */
  realtime: { realtimeMessages: number; realtimeDeliveries: number };
  close(): Promise<void>;
}

/** The seed's message table: no numbering, no read marks, as the seed design had. */
const SEED_TABLE = `
  create table public.seed_messages (
    id uuid primary key default gen_random_uuid(),
    chat_id uuid not null references public.conversations (id) on delete cascade,
    user_id uuid,
    role text not null default 'user',
    text text not null,
    created_at timestamptz not null default now()
  );
  alter table public.seed_messages enable row level security;
  grant all on public.seed_messages to service_role;
  -- The floor's 'as_user' path (bench/floor-send): one RPC through lite as the caller, as chat_send is
  -- called, doing nothing but the INSERT (security definer, as chat_send: no RLS in the way).
  create function public.floor_insert(chat_id uuid, text text) returns uuid
  language sql security definer set search_path = '' as $$
    insert into public.seed_messages (chat_id, text) values (floor_insert.chat_id, floor_insert.text) returning id
  $$;
  revoke execute on function public.floor_insert(uuid, text) from public, anon;
  grant execute on function public.floor_insert(uuid, text) to authenticated;`;

/** Creates the seed's message table on a fresh stack and makes its REST API see it. */
export async function addSeedTable(stack: LocalStack): Promise<void> {
  await stack.db.transaction((tx) => tx.exec(SEED_TABLE));
  await stack.db.exclusive(() => stack.db.connection.clearSchemaCache());
}

export async function startBench(engine: Engine): Promise<Bench> {
  const database = engine === 'postgres' ? await createScratchDatabase('inbox_bench') : undefined;
  const logs: StackLogEntry[] = [];
  const realtime = { realtimeMessages: 0, realtimeDeliveries: 0 };
  const stack = await startLocalStack({
    port: 0,
    databaseUrl: database?.url,
    jwtExpirySeconds: 3600,
    // Speed, not quota: these benchmarks run unmetered; bench/quota-cost.ts measures each plan.
    realtimeLimits: { maxEventsPerSecond: 1e9, maxJoinsPerSecond: 1e9, maxConcurrentUsers: 1e9 },
    extraFunctions: [{
      name: 'seed-chat-send',
      entrypoint: join(projectRoot, 'bench', 'seed-chat-send', 'index.ts'),
      importMap: join(projectRoot, 'bench', 'seed-chat-send', 'deno.json'),
      verifyJwt: false,
    }, {
      // The same-hops floor verifies the JWT at the gateway, as chat-send does.
      name: 'floor-send',
      entrypoint: join(projectRoot, 'bench', 'floor-send', 'index.ts'),
      importMap: join(projectRoot, 'bench', 'floor-send', 'deno.json'),
      verifyJwt: true,
    }],
    onLog: (entry) => {
      if (entry.event === 'realtime_rest_broadcast') {
        realtime.realtimeMessages += Number(entry.sent);
        realtime.realtimeDeliveries += Number(entry.delivered);
      }
      if (!entry.event.startsWith('realtime_')) logs.push(entry);
    },
  });
  await addSeedTable(stack);
  return {
    engine,
    stack,
    logs,
    realtime,
    async close() {
      await stack.stop();
      await database?.drop();
    },
  };
}

export interface BenchUser {
  id: string;
  token: string;
}

/**
 * Users straight into auth.users, each with a session (signing up 1000 through bcrypt would dominate
 * the run), and tokens signed like GoTrue's: they carry the session, as every access token Auth
 * issues does.
 */
export async function createUsers(bench: Bench, count: number): Promise<BenchUser[]> {
  const rows = await bench.stack.db.transaction((tx) =>
    tx.query<{ id: string; session_id: string }>(
      `with users as (
         insert into auth.users (id, aud, role, email)
         select gen_random_uuid(), 'authenticated', 'authenticated', 'bench-' || gen_random_uuid() || '@example.test'
         from generate_series(1, $1) returning id)
       insert into auth.sessions (id, user_id, aal, created_at, updated_at)
       select gen_random_uuid(), id, 'aal1', now(), now() from users
       returning user_id as id, id as session_id`,
      [count],
    ));
  const secret = new TextEncoder().encode(bench.stack.keys.jwtSecret);
  return Promise.all(rows.map(async ({ id, session_id }) => ({
    id,
    token: await new SignJWT({ sub: id, role: 'authenticated', aud: 'authenticated', email: `${id}@example.test`, session_id, aal: 'aal1' })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setIssuedAt()
      .setExpirationTime('2h')
      .sign(secret),
  })));
}

/** A user signed up through auth, with a session-following client (what the client library needs). */
export async function signUpUser(bench: Bench, name: string): Promise<{ user: BenchUser; client: SupabaseClient }> {
  const client = createClient(bench.stack.url, bench.stack.keys.publishableKey, {
    auth: { persistSession: false, autoRefreshToken: false },
    realtime: { transport: WebSocket as never },
  });
  const { data, error } = await client.auth.signUp({ email: `${name}-${Date.now()}@example.test`, password: 'bench password 1' });
  if (error || !data.session) throw new Error(`sign-up of ${name} failed: ${error?.message}`);
  return { user: { id: data.session.user.id, token: data.session.access_token }, client };
}

export function clientFor(bench: Bench, user: BenchUser): SupabaseClient {
  return createClient(bench.stack.url, bench.stack.keys.publishableKey, {
    accessToken: async () => user.token,
    realtime: { transport: WebSocket as never },
  });
}

export async function callFunction(bench: Bench, name: string, user: BenchUser, body: unknown): Promise<any> {
  const response = await fetch(`${bench.stack.url}/functions/v1/${name}`, {
    method: 'POST',
    headers: { apikey: bench.stack.keys.publishableKey, authorization: `Bearer ${user.token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const json = await response.json();
  if (!response.ok) throw new Error(`${name} answered ${response.status}: ${JSON.stringify(json)}`);
  return json;
}

export async function createConversation(bench: Bench, owner: BenchUser, others: BenchUser[]): Promise<string> {
  const answer = await callFunction(bench, 'chat-create', owner, { title: 'bench', participant_ids: others.map((u) => u.id) });
  return answer.conversation.id;
}

export type Design = 'ours' | 'seed';

/** Everything counted per send: requests by service, lite's statements, and Realtime messages. */
export interface Counts {
  rest: number;
  realtimeApi: number;
  statements: number;
  /** Round trips those statements took (lite's driver sends some together: src/local/lite-statements.ts). */
  roundTrips: number;
  /** Messages handed to Realtime's REST API and sent on (what the quota counts as ingress). */
  realtimeMessages: number;
  /** Frames Realtime wrote to subscribers for those messages (egress). */
  realtimeDeliveries: number;
}

export function counts(bench: Bench): Counts {
  const { rest, realtimeApi, statements, roundTrips } = bench.stack.requestCounts();
  return { rest, realtimeApi, statements, roundTrips, ...bench.realtime };
}

export function perSend(before: Counts, after: Counts, sends: number): Counts {
  const per = (key: keyof Counts) => Math.round(((after[key] - before[key]) / sends) * 100) / 100;
  return {
    rest: per('rest'),
    realtimeApi: per('realtimeApi'),
    statements: per('statements'),
    roundTrips: per('roundTrips'),
    realtimeMessages: per('realtimeMessages'),
    realtimeDeliveries: per('realtimeDeliveries'),
  };
}

/** A client process aimed at this stack. */
export const clientProcess = (bench: Bench): Promise<ClientProcess> =>
  startClientProcess({ url: bench.stack.url, publishableKey: bench.stack.keys.publishableKey });
