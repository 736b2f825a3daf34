// Every limit of the contract's LIMITS, driven at its boundary through every layer that enforces it:
// the zod contract, the RPC (on Postgres and on PGlite), the table CHECK, and the edge function over
// HTTP. LIMITS is the one source: each row below takes its numbers from it, and the table is keyed by
// it, so a new limit does not typecheck until it has its row here.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { CreateBody, LIMITS, SendBatchBody, SendSingleBody } from 'supabase-realtime-inbox-contract';
import { addUser, createPgliteDb, createPostgresDb, type Query, type TestDb, user } from '../support/db.ts';
import { asUser, callFunction, signUp, startLocalTarget, type Target, type TestUser } from '../support/stack.ts';

type Limit = keyof typeof LIMITS;

/** Where a send or a create happens: the ids it needs. */
interface Scene {
  chatId: string;
  /** Users that exist besides the caller, enough for the participant limit plus one. */
  others: string[];
}

interface Boundary<V> {
  /** The field's value exactly at the limit, and one step past it. */
  at: V;
  over: V;
  /** The request body this value goes into, and the contract schema that parses it. */
  contract?: { schema: z.ZodType; body: (scene: Scene, value: V) => unknown };
  /** The RPC call, as the signed-in caller; it must throw a 22xxx (invalid input) when refusing. */
  rpc?: (query: Query, scene: Scene, value: V) => Promise<unknown>;
  /** A row written straight into the table as the owner, past the RPC: its constraints must hold. */
  table?: (query: Query, scene: Scene, value: V, callerId: string) => Promise<unknown>;
  /** The edge function, and the status it answers past the limit. */
  http?: { fn: 'chat-send' | 'chat-create'; body: (scene: Scene, value: V) => unknown; overStatus: number };
}

const chars = (n: number) => 'x'.repeat(n);
/** An object whose JSON.stringify is exactly `size` bytes (the contract's measure of meta). */
const metaOfBytes = (size: number) => ({ b: chars(size - JSON.stringify({ b: '' }).length) });
const messages = (n: number) => Array.from({ length: n }, (_, i) => ({ text: `m${i}` }));
/** A valid chat-send body padded with trailing whitespace (still JSON) to exactly `size` bytes. */
const paddedSend = (chatId: string, size: number) => {
  const body = JSON.stringify({ chat_id: chatId, text: 'padded' });
  return body + ' '.repeat(size - Buffer.byteLength(body));
};

const send = (query: Query, scene: Scene, items: unknown[]) =>
  query('select public.chat_send($1, $2::text::jsonb)', [scene.chatId, JSON.stringify(items)]);
const create = (query: Query, args: { title?: string; participant_ids?: string[] }) =>
  query('select public.chat_create(title => $1, participant_ids => $2::uuid[])', [args.title ?? '', args.participant_ids ?? []]);
const insertMessage = (query: Query, scene: Scene, callerId: string, fields: { text?: string; client_msg_id?: string; meta?: unknown }) =>
  query(
    `insert into public.messages (chat_id, message_number, user_id, role, text, client_msg_id, meta)
     values ($1, (select coalesce(max(message_number), 0) + 1 from public.messages where chat_id = $1), $2, 'user', $3, $4, $5::text::jsonb)`,
    [scene.chatId, callerId, fields.text ?? 'hi', fields.client_msg_id ?? null, JSON.stringify(fields.meta ?? {})],
  );

const BOUNDARIES: { [K in Limit]: Boundary<any> } = {
  textChars: {
    at: chars(LIMITS.textChars),
    over: chars(LIMITS.textChars + 1),
    contract: { schema: SendSingleBody, body: (s, text) => ({ chat_id: s.chatId, text }) },
    rpc: (q, s, text) => send(q, s, [{ text }]),
    table: (q, s, text, caller) => insertMessage(q, s, caller, { text }),
    http: { fn: 'chat-send', body: (s, text) => ({ chat_id: s.chatId, text }), overStatus: 400 },
  },
  batchMessages: {
    at: messages(LIMITS.batchMessages),
    over: messages(LIMITS.batchMessages + 1),
    contract: { schema: SendBatchBody, body: (s, items) => ({ chat_id: s.chatId, messages: items }) },
    rpc: (q, s, items) => send(q, s, items),
    http: { fn: 'chat-send', body: (s, items) => ({ chat_id: s.chatId, messages: items }), overStatus: 400 },
  },
  clientMsgIdChars: {
    at: () => `${randomUUID()}${chars(LIMITS.clientMsgIdChars - 36)}`,
    over: () => `${randomUUID()}${chars(LIMITS.clientMsgIdChars - 35)}`,
    contract: { schema: SendSingleBody, body: (s, id) => ({ chat_id: s.chatId, text: 'hi', client_msg_id: id() }) },
    rpc: (q, s, id) => send(q, s, [{ text: 'hi', client_msg_id: id() }]),
    table: (q, s, id, caller) => insertMessage(q, s, caller, { client_msg_id: id() }),
    http: { fn: 'chat-send', body: (s, id) => ({ chat_id: s.chatId, text: 'hi', client_msg_id: id() }), overStatus: 400 },
  },
  metaBytes: {
    at: metaOfBytes(LIMITS.metaBytes),
    over: metaOfBytes(LIMITS.metaBytes + 1),
    contract: { schema: SendSingleBody, body: (s, meta) => ({ chat_id: s.chatId, text: 'hi', meta }) },
    rpc: (q, s, meta) => send(q, s, [{ text: 'hi', meta }]),
    table: (q, s, meta, caller) => insertMessage(q, s, caller, { meta }),
    http: { fn: 'chat-send', body: (s, meta) => ({ chat_id: s.chatId, text: 'hi', meta }), overStatus: 400 },
  },
  titleChars: {
    at: chars(LIMITS.titleChars),
    over: chars(LIMITS.titleChars + 1),
    contract: { schema: CreateBody, body: (_s, title) => ({ title }) },
    rpc: (q, _s, title) => create(q, { title }),
    table: (q, _s, title, caller) => q('insert into public.conversations (user_id, title) values ($1, $2)', [caller, title]),
    http: { fn: 'chat-create', body: (_s, title) => ({ title }), overStatus: 400 },
  },
  participantIds: {
    at: LIMITS.participantIds,
    over: LIMITS.participantIds + 1,
    contract: { schema: CreateBody, body: (s, n) => ({ participant_ids: s.others.slice(0, n) }) },
    rpc: (q, s, n) => create(q, { participant_ids: s.others.slice(0, n) }),
    http: { fn: 'chat-create', body: (s, n) => ({ participant_ids: s.others.slice(0, n) }), overStatus: 400 },
  },
  bodyBytes: {
    at: LIMITS.bodyBytes,
    over: LIMITS.bodyBytes + 1,
    http: { fn: 'chat-send', body: (s, size) => paddedSend(s.chatId, size), overStatus: 413 },
  },
};

const rows = Object.entries(BOUNDARIES) as [Limit, Boundary<any>][];
const layerRows = (layer: keyof Boundary<unknown>) => rows.filter(([, b]) => b[layer]);

it('every limit has its row, and every row is driven through at least the HTTP layer', () => {
  expect(rows.map(([name]) => name).sort()).toEqual(Object.keys(LIMITS).sort());
  for (const [name, b] of rows) expect({ name, http: Boolean(b.http) }).toEqual({ name, http: true });
});

describe('the contract', () => {
  const scene: Scene = { chatId: randomUUID(), others: Array.from({ length: LIMITS.participantIds + 1 }, () => randomUUID()) };
  it.each(layerRows('contract'))('%s: accepts the limit, refuses one past it', (_name, b) => {
    expect(b.contract!.schema.safeParse(b.contract!.body(scene, b.at)).success).toBe(true);
    expect(b.contract!.schema.safeParse(b.contract!.body(scene, b.over)).success).toBe(false);
  });
});

/** Postgres errors as both drivers report them. */
const sqlState = async (run: Promise<unknown>): Promise<string | null> => {
  try {
    await run;
    return null;
  } catch (error) {
    return String((error as { code?: unknown }).code ?? 'no code');
  }
};

describe.each([
  ['postgres', createPostgresDb],
  ['pglite', createPgliteDb],
] as const)('the database on %s', (_engine, createDb) => {
  let db: TestDb;
  let callerId: string;
  let scene: Scene;

  beforeAll(async () => {
    db = await createDb();
    callerId = await addUser(db);
    const others = await db.query<{ id: string }>(
      `insert into auth.users (id, email, aud, role)
       select gen_random_uuid(), 'limit-' || n || '-' || gen_random_uuid() || '@example.test', 'authenticated', 'authenticated'
       from generate_series(1, $1::int) n returning id`,
      [LIMITS.participantIds + 1],
    );
    const [{ chat_create: created }] = await db.as(user(callerId), (q) => create(q, { title: 'limits' })) as { chat_create: any }[];
    scene = { chatId: created.conversation.id, others: others.map((o) => o.id) };
  }, 120_000);
  afterAll(() => db?.close());

  it.each(layerRows('rpc'))('RPC, %s: accepts the limit, refuses one past it with invalid input (22xxx)', async (_name, b) => {
    expect(await sqlState(db.as(user(callerId), (q) => b.rpc!(q, scene, b.at)))).toBeNull();
    expect(await sqlState(db.as(user(callerId), (q) => b.rpc!(q, scene, b.over)))).toMatch(/^22/);
  });

  it.each(layerRows('table'))('table, %s: holds the limit, refuses one past it (CHECK 23514 or invalid input 22xxx)', async (_name, b) => {
    expect(await sqlState(b.table!(db.query, scene, b.at, callerId))).toBeNull();
    expect(await sqlState(b.table!(db.query, scene, b.over, callerId))).toMatch(/^(22|23514$)/);
  });
});

describe('the edge functions over HTTP', () => {
  let target: Target & Awaited<ReturnType<typeof startLocalTarget>>;
  let caller: TestUser;
  let scene: Scene;

  beforeAll(async () => {
    target = await startLocalTarget();
    caller = await signUp(target, 'limits');
    const others = await target.stack.db.transaction((tx) =>
      tx.query<{ id: string }>(
        `insert into auth.users (id, email, aud, role)
         select gen_random_uuid(), 'limit-' || n || '-' || gen_random_uuid() || '@example.test', 'authenticated', 'authenticated'
         from generate_series(1, $1::int) n returning id`,
        [LIMITS.participantIds + 1],
      )
    );
    const created = await callFunction(target, 'chat-create', { title: 'limits' }, asUser(target, caller));
    expect(created.status).toBe(200);
    scene = { chatId: created.body.conversation.id, others: others.map((o) => o.id) };
  }, 120_000);
  afterAll(() => target?.stop());

  it.each(layerRows('http'))('%s: 200 at the limit, refused one past it', async (_name, b) => {
    const { fn, body, overStatus } = b.http!;
    const at = await callFunction(target, fn, body(scene, b.at), asUser(target, caller));
    expect({ status: at.status, error: at.body?.error }).toEqual({ status: 200, error: undefined });
    const over = await callFunction(target, fn, body(scene, b.over), asUser(target, caller));
    expect(over.status).toBe(overStatus);
  });
});
