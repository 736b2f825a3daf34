// BENCHMARK FLOOR ONLY — never deploy. The hops chat-send takes with nothing else on them: the gateway
// (which verifies the JWT, as for chat-send), Deno, one INSERT committed, the answer, and one Realtime
// REST request carrying two private messages per recipient (ours sends message-insert and
// conversation-update). No validation, no RPC logic, no participant lookup: the bench passes the
// recipients. On Postgres the INSERT goes straight to the database; PGlite has no connection string,
// so there it is one lite REST request with the secret key. With `as_user` it is one lite REST request
// as the caller (their token, so lite verifies it and looks the user up), whatever the engine: the
// least any design pays that stores through PostgREST as the user, as chat-send does.
import postgres from 'postgres';

const url = Deno.env.get('SUPABASE_URL')!;
const publishableKey = JSON.parse(Deno.env.get('SUPABASE_PUBLISHABLE_KEYS')!)
  .default as string;
const secretKey = JSON.parse(Deno.env.get('SUPABASE_SECRET_KEYS')!)
  .default as string;
const dbUrl = Deno.env.get('SUPABASE_DB_URL');
const sql = dbUrl ? postgres(dbUrl, { max: 4, onnotice: () => {} }) : undefined;

/** `authorization`: the caller's header, to insert as them; absent, the secret key. */
async function insert(chatId: string, text: string, authorization?: string): Promise<{ id: string }> {
  if (sql && !authorization) {
    const [row] = await sql`insert into public.seed_messages (chat_id, text) values (${chatId}, ${text}) returning id`;
    return row as { id: string };
  }
  const response = await fetch(`${url}/rest/v1/seed_messages?select=id`, {
    method: 'POST',
    headers: {
      ...(authorization ? { apikey: publishableKey, authorization } : { apikey: secretKey }),
      'content-type': 'application/json',
      prefer: 'return=representation',
    },
    body: JSON.stringify({ chat_id: chatId, text }),
  });
  const [row] = await response.json();
  return row;
}

Deno.serve(async (req) => {
  const { chat_id, text, recipients, as_user } = await req.json() as {
    chat_id: string;
    text: string;
    recipients: string[];
    as_user?: boolean;
  };
  const message = await insert(chat_id, text, as_user ? req.headers.get('authorization')! : undefined);
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
