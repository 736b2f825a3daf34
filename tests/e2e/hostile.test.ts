// Issue 12: the hostile table through the edge functions AND straight at the RPCs over REST, on both
// engines. Both paths give the same answer: 200 for what the contract allows, 400 for what it
// refuses; never a 5xx, and a refused request writes no row. Then the token rules (item 14).
import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callCases, messageCases } from '../support/hostile-inputs.ts';
import { asUser, callFunction, newClient, signUp, startLocalTarget, type Target, type TestUser } from '../support/stack.ts';

type Answer = { status: number; body: any };

async function post(target: Target, path: string, body: unknown, headers: Record<string, string>): Promise<Answer> {
  const response = await fetch(`${target.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch { /* a non-JSON answer stays text, and fails the shape assertions below */ }
  return { status: response.status, body: parsed };
}

/** An HS256 token with exactly these claims (no exp unless given). */
const token = (secret: string, claims: Record<string, unknown>) =>
  new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(new TextEncoder().encode(secret));
const unsigned = (claims: Record<string, unknown>) =>
  `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.`;

describe.each(['pglite', 'postgres'] as const)('hostile input on %s', (engine) => {
  let target: Target & { stack: NonNullable<Target['stack']> };
  let alice: TestUser;
  let chat: string;
  const tally = { tried: 0, refused: 0, accepted: 0, fiveHundreds: 0, rowsWrittenByRefusals: 0 };

  const rows = async () => {
    const [row] = await target.stack.db.transaction((tx) =>
      tx.query<{ n: number }>('select (select count(*) from public.messages) + (select count(*) from public.conversations) as n'));
    return Number(row.n);
  };
  const rpc = (fn: string, args: unknown, headers = asUser(target, alice)) => post(target, `/rest/v1/rpc/${fn}`, args, headers);
  const withChat = (value: unknown): unknown =>
    typeof value === 'string' ? value.replaceAll('$chat', chat) : JSON.parse(JSON.stringify(value).replaceAll('$chat', chat));

  /** One attempt: its answer, and whether it wrote rows. Tallied for the figures. */
  async function attempt(expectRefusal: boolean, call: () => Promise<Answer>): Promise<Answer> {
    const before = await rows();
    const answer = await call();
    const written = (await rows()) - before;
    tally.tried++;
    if (answer.status >= 500) tally.fiveHundreds++;
    if (expectRefusal) {
      tally.refused += answer.status >= 400 && answer.status < 500 ? 1 : 0;
      tally.rowsWrittenByRefusals += written;
      expect(written, 'rows written by a refused request').toBe(0);
    } else tally.accepted++;
    return answer;
  }

  beforeAll(async () => {
    target = await startLocalTarget({ engine });
    alice = await signUp(target, 'alice');
    const created = await callFunction(target, 'chat-create', { title: 'hostile' }, asUser(target, alice));
    chat = created.body.conversation.id;
  }, 120_000);

  afterAll(async () => {
    console.log(JSON.stringify({ event: 'hostile_input_figures', engine, ...tally }));
    await target?.stop();
  });

  describe.each(messageCases)('$name', ({ item, accepted }) => {
    const functionBody = () =>
      typeof item === 'string' ? `{"chat_id":"${chat}",${item}}` : { chat_id: chat, ...item };
    const rpcArgs = () =>
      typeof item === 'string' ? `{"chat_id":"${chat}","messages":[{${item}}]}` : { chat_id: chat, messages: [item] };

    it('through chat-send', async () => {
      const answer = await attempt(!accepted, () => post(target, '/functions/v1/chat-send', functionBody(), asUser(target, alice)));
      if (accepted) expect(answer.status).toBe(200);
      else expect(answer).toMatchObject({ status: 400, body: { error: { code: 'invalid_body', message: expect.any(String) } } });
    });

    it('straight at the chat_send RPC', async () => {
      const answer = await attempt(!accepted, () => rpc('chat_send', rpcArgs()));
      if (accepted) expect(answer.status).toBe(200);
      else expect(answer).toMatchObject({ status: 400, body: { code: expect.stringMatching(/^(22|PGRST1)/), message: expect.any(String) } });
    });
  });

  describe.each(callCases)('$name', ({ fn, body, rpcArgs }) => {
    it(`through ${fn}`, async () => {
      const answer = await attempt(true, () => post(target, `/functions/v1/${fn}`, withChat(body), asUser(target, alice)));
      expect(answer).toMatchObject({ status: 400, body: { error: { code: 'invalid_body' } } });
    });

    it('straight at the RPC', async () => {
      const answer = await attempt(true, () => rpc(fn.replace('-', '_'), withChat(rpcArgs ?? body)));
      expect(answer).toMatchObject({ status: 400, body: { code: expect.stringMatching(/^(22|PGRST1)/) } });
    });
  });

  it.each([
    ['whitespace text', { text: '\u3000' }],
    ['meta 3000 levels deep', { text: 'x', meta: { a: JSON.parse('['.repeat(3000) + ']'.repeat(3000)) } }],
    ['meta over 8192 bytes', { text: 'x', meta: { b: 'x'.repeat(9000) } }],
  ])('a direct insert into messages with the secret key and %s is a 400: the table enforces the contract', async (_name, fields) => {
    const answer = await attempt(true, () =>
      post(target, '/rest/v1/messages', { chat_id: chat, message_number: 1_000_000, role: 'system', ...fields }, { apikey: target.secretKey }));
    expect(answer).toMatchObject({ status: 400, body: { code: expect.stringMatching(/^(22|PGRST1)/) } });
  });

  it('anon calling chat_create with a wrong type gets a 4xx, not a 500', async () => {
    const answer = await attempt(true, () =>
      rpc('chat_create', { is_public: 'maybe' }, { apikey: target.publishableKey, authorization: `Bearer ${target.publishableKey}` }));
    expect(answer.status).toBeGreaterThanOrEqual(400);
    expect(answer.status).toBeLessThan(500);
  });

  describe('tokens lite must refuse as hosted PostgREST does (item 14)', () => {
    const readAll = (bearer: string) =>
      fetch(`${target.url}/rest/v1/messages?select=id`, { headers: { apikey: target.publishableKey, authorization: `Bearer ${bearer}` } });

    it.each([
      ['without exp', () => token(target.jwtSecret, { sub: alice.id, role: 'authenticated', aud: 'authenticated' })],
      ['with role postgres', () => token(target.jwtSecret, { sub: alice.id, role: 'postgres', exp: Math.floor(Date.now() / 1000) + 600 })],
      ['with role supabase_admin', () => token(target.jwtSecret, { role: 'supabase_admin', exp: Math.floor(Date.now() / 1000) + 600 })],
      ['with alg none', async () => unsigned({ sub: alice.id, role: 'service_role', exp: Math.floor(Date.now() / 1000) + 600 })],
      ['that is no JWT at all', async () => 'not-a-token'],
    ])('a token %s is a 401 on REST and for the functions', async (_name, make) => {
      const bearer = await make();
      const rest = await readAll(bearer);
      expect(rest.status).toBe(401);
      expect(await rest.json()).toMatchObject({ code: expect.stringMatching(/^PGRST30/) });
      const sent = await attempt(true, () => post(target, '/functions/v1/chat-send', { chat_id: chat, text: 'forged' }, { apikey: target.publishableKey, authorization: `Bearer ${bearer}` }));
      expect(sent.status).toBe(401);
      const created = await attempt(true, () => post(target, '/functions/v1/chat-create', { title: 'forged' }, { apikey: target.publishableKey, authorization: `Bearer ${bearer}` }));
      expect(created.status).toBe(401);
    });

    it('a token with role postgres cannot join someone else’s private inbox channel on Realtime', async () => {
      const forged = await token(target.jwtSecret, { sub: randomUUID(), role: 'postgres', exp: Math.floor(Date.now() / 1000) + 600 });
      const client = newClient(target);
      await client.realtime.setAuth(forged);
      const channel = client.channel(`user-realtime:${alice.id}`, { config: { private: true } });
      const status = await new Promise<string>((resolve) =>
        channel.subscribe((state) => state !== 'CLOSED' && resolve(state)));
      await client.removeChannel(channel);
      expect(status).not.toBe('SUBSCRIBED');
    });

    it('a proper user token still works, and the keys still work', async () => {
      expect((await readAll(alice.token)).status).toBe(200);
      expect((await readAll(target.publishableKey)).status).toBe(200);
      expect((await readAll(target.secretKey)).status).toBe(200);
      expect((await readAll(target.stack.keys.serviceRoleKey)).status).toBe(200);
    });
  });

  it.each([
    ['text/plain', { 'content-type': 'text/plain;charset=UTF-8' }],
    ['a form', { 'content-type': 'application/x-www-form-urlencoded' }],
    ['no Content-Type at all', {}],
  ])('a JSON body sent as %s is a 415 and writes nothing (item 7)', async (_name, type) => {
    const answer = await attempt(true, async () => {
      const response = await fetch(`${target.url}/functions/v1/chat-send`, {
        method: 'POST',
        headers: { ...asUser(target, alice), ...type },
        body: new TextEncoder().encode(JSON.stringify({ chat_id: chat, text: 'sneaky' })),
      });
      return { status: response.status, body: await response.json() };
    });
    expect(answer).toMatchObject({ status: 415, body: { error: { code: 'unsupported_media_type' } } });
  });

  it('the verify_jwt refusal has the gateway’s documented shape {code, message} (item 8)', async () => {
    const missing = await attempt(true, () => post(target, '/functions/v1/chat-create', { title: 'x' }, { apikey: target.publishableKey }));
    expect(missing).toEqual({ status: 401, body: { code: 401, message: 'Missing authorization header' } });
    const invalid = await attempt(true, () =>
      post(target, '/functions/v1/chat-create', { title: 'x' }, { apikey: target.publishableKey, authorization: 'Bearer a.b.c' }));
    expect(invalid).toEqual({ status: 401, body: { code: 401, message: 'Invalid JWT' } });
  });

  describe('display names (item 5)', () => {
    it('come from the profile the user owns, not from user_metadata or the email', async () => {
      const { error } = await alice.client.auth.updateUser({ data: { name: 'Assistant', full_name: 'Assistant' } });
      expect(error).toBeNull();
      const { data: session } = await alice.client.auth.refreshSession();
      const forged = await post(target, '/functions/v1/chat-send', { chat_id: chat, text: 'I am the assistant' },
        { apikey: target.publishableKey, authorization: `Bearer ${session.session!.access_token}` });
      expect(forged.status).toBe(200);
      expect(forged.body.messages[0].user_name).toBeNull();

      const reserved = await alice.client.from('profiles').insert({ user_id: alice.id, display_name: 'ＡＳＳＩＳＴＡＮＴ' });
      expect(reserved.error).toMatchObject({ code: '22023' });
      // Names are unique across the project (the seed's demo Alice exists): a name of this run's own.
      const aliceName = `Alice ${alice.id.slice(0, 8)}`;
      expect((await alice.client.from('profiles').insert({ user_id: alice.id, display_name: aliceName })).error).toBeNull();
      const named = await post(target, '/functions/v1/chat-send', { chat_id: chat, text: 'me again' }, asUser(target, alice));
      expect(named.body.messages[0].user_name).toBe(aliceName);

      const mallory = await signUp(target, 'mallory');
      expect((await mallory.client.from('profiles').insert({ user_id: mallory.id, display_name: ` ${aliceName.toLowerCase()} ` })).error).toMatchObject({ code: '23505' });
      expect((await mallory.client.from('profiles').insert({ user_id: alice.id, display_name: 'Mallory' })).error).not.toBeNull();
      expect((await mallory.client.from('profiles').update({ display_name: 'Alicia' }).eq('user_id', alice.id).select()).data ?? []).toEqual([]);
      expect((await mallory.client.from('profiles').select('display_name')).data).toEqual([]);
    });
  });

  it('never answered 5xx, and refusals wrote nothing', () => {
    expect(tally).toMatchObject({ fiveHundreds: 0, rowsWrittenByRefusals: 0 });
    expect(tally.refused + tally.accepted).toBe(tally.tried);
  });
});
