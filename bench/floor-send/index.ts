// BENCHMARK FLOOR ONLY — never deploy. The hops chat-send takes with nothing else on them: the gateway
// (which verifies the JWT, as for chat-send), Deno, one INSERT committed, the answer, and one Realtime
// REST request carrying two private messages per recipient (ours sends message-insert and
// conversation-update). No validation, no RPC logic, no participant lookup: the bench passes the
// recipients. On Postgres the INSERT goes straight to the database; PGlite has no connection string,
// so there it is one lite REST request with the secret key. With `as_user` it is one RPC through lite
// as the caller (their token, so lite verifies it and sets their claims), whatever the engine, doing
// nothing but the INSERT (`floor_insert`, bench/harness.ts): chat-send's path with chat_send's work
// taken out, the least any design pays that stores through PostgREST as the user.
import postgres from 'postgres';

const url = Deno.env.get('SUPABASE_URL')!;
const publishableKey = JSON.parse(Deno.env.get('SUPABASE_PUBLISHABLE_KEYS')!)
  .default as string;
const secretKey = JSON.parse(Deno.env.get('SUPABASE_SECRET_KEYS')!)
  .default as string;
const dbUrl = Deno.env.get('SUPABASE_DB_URL');
const sql = dbUrl ? postgres(dbUrl, { max: 4, onnotice: () => {} }) : undefined;

async function post(path: string, headers: Record<string, string>, body: unknown): Promise<unknown> {
  const response = await fetch(`${url}/rest/v1/${path}`, {
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`floor-send: ${path} answered ${response.status}: ${await response.text()}`);
  return response.json();
}

/** `authorization`: the caller's header, to insert as them; absent, the secret key. */
async function insert(chatId: string, text: string, authorization?: string): Promise<{ id: string }> {
  if (authorization) {
    const id = await post('rpc/floor_insert', { apikey: publishableKey, authorization }, { chat_id: chatId, text });
    return { id: id as string };
  }
  if (sql) {
    const [row] = await sql`insert into public.seed_messages (chat_id, text) values (${chatId}, ${text}) returning id`;
    return row as { id: string };
  }
  const [row] = await post('seed_messages?select=id', { apikey: secretKey, prefer: 'return=representation' }, {
    chat_id: chatId,
    text,
  }) as { id: string }[];
  return row;
}

Deno.serve(async (req) => {
  const { chat_id, text, recipients, as_user } = await req.json() as {
    chat_id: string;
    text: string;
    recipients: string[];
    as_user?: boolean;
  };
  const authorization = req.headers.get('authorization');
  if (as_user && !authorization) return Response.json({ error: "as_user needs the caller's token" }, { status: 400 });
  const message = await insert(chat_id, text, as_user ? authorization! : undefined);
  const messages = recipients.flatMap((id) => [
    {
      topic: `user-realtime:${id}`,
      event: 'message-insert',
      private: true,
      payload: { chat_id, message: { ...message, chat_id, text } },
    },
    {
      topic: `user-realtime:${id}`,
      event: 'conversation-update',
      private: true,
      payload: { chat_id },
    },
  ]);
  fetch(`${url}/realtime/v1/api/broadcast`, {
    method: 'POST',
    headers: { apikey: secretKey, 'content-type': 'application/json' },
    body: JSON.stringify({ messages }),
  }).then((response) => response.body?.cancel(), () => {});
  return Response.json({ id: message.id });
});
