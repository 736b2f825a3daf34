// A request whose answer never comes back (a hung connection, a response lost after the server acted)
// must not leave the inbox stuck: the store gives up on it after its deadline, and what it repeats is
// stored once.
import { createClient } from '@supabase/supabase-js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ChatApiError, InboxStore } from 'supabase-realtime-inbox/client';
import { PASSWORD, signUp, startTarget, type Target, type TestUser } from '../support/stack.ts';

let target: Target;
const stores: InboxStore[] = [];
beforeAll(async () => {
  target = await startTarget();
}, 120_000);
afterEach(() => {
  for (const store of stores.splice(0)) store.stop();
});
afterAll(() => target?.stop());

/**
 * A fetch that loses answers on demand: the request reaches the server, which acts on it, and the
 * answer never arrives; the caller is left waiting until it aborts, as on a hung connection.
 */
function answerLosingFetch() {
  const losing = new Map<string, number>();
  const lost: string[] = [];
  const fetchLosingAnswers: typeof fetch = async (input, init) => {
    const url = input instanceof Request ? input.url : String(input);
    const path = new URL(url).pathname;
    const answer = await fetch(input, init);
    const left = losing.get(path) ?? 0;
    if (left === 0) return answer;
    losing.set(path, left - 1);
    lost.push(path);
    await answer.arrayBuffer();
    return new Promise<never>((_, reject) => {
      const signal = init?.signal;
      if (signal?.aborted) return reject(signal.reason);
      signal?.addEventListener('abort', () => reject(signal.reason), { once: true });
    });
  };
  return { fetch: fetchLosingAnswers, lost, lose: (path: string, times = 1) => void losing.set(path, times) };
}

/** `user` signed in on a client whose answers can be lost. */
async function onLossyNetwork(user: TestUser) {
  const network = answerLosingFetch();
  const client = createClient(target.url, target.publishableKey, {
    auth: { persistSession: false, autoRefreshToken: false },
    realtime: { transport: WebSocket as never },
    global: { fetch: network.fetch },
  });
  const { error } = await client.auth.signInWithPassword({ email: user.email, password: PASSWORD });
  if (error) throw new Error(`sign-in of ${user.email} failed: ${error.message}`);
  return { client, network };
}

function startStore(client: TestUser['client']): InboxStore {
  const store = new InboxStore(client, { onError: () => {}, requestTimeoutMs: 1500, retry: { attempts: 4, baseMs: 50, maxMs: 200 } });
  stores.push(store);
  return store;
}

describe('requests whose answers are lost', () => {
  it('a send whose answer is lost is tried again after its deadline and stored once', async () => {
    const [alice, bob] = await Promise.all([signUp(target, 'lost-send-a'), signUp(target, 'lost-send-b')]);
    const lossy = await onLossyNetwork(alice);
    const store = startStore(lossy.client);
    await store.start();
    const chat = await store.create({ title: 'lost answers', participant_ids: [bob.id] });

    lossy.network.lose('/functions/v1/chat-send');
    const sent = await store.send(chat.id, 'hello through a hung connection');

    expect(lossy.network.lost).toEqual(['/functions/v1/chat-send']);
    const { data: stored, error } = await bob.client.rpc('chat_messages', { chat_id: chat.id, after_number: 0, row_limit: 100 });
    expect(error).toBeNull();
    expect(stored.filter((m: { client_msg_id: string }) => m.client_msg_id === sent.client_msg_id)).toHaveLength(1);
    const held = store.getSnapshot().messages[chat.id];
    expect(held.filter((m) => m.client_msg_id === sent.client_msg_id)).toEqual([expect.objectContaining({ status: 'sent', message_number: 1 })]);
  }, 60_000);

  it('start() gets past a lost inbox read and shows the inbox', async () => {
    const [alice, bob] = await Promise.all([signUp(target, 'lost-read-a'), signUp(target, 'lost-read-b')]);
    const { data: created, error } = await bob.client.functions.invoke('chat-create', { body: { title: 'before start', participant_ids: [alice.id] } });
    expect(error).toBeNull();
    const lossy = await onLossyNetwork(alice);
    lossy.network.lose('/rest/v1/rpc/chat_inbox');

    const store = startStore(lossy.client);
    await store.start();

    expect(lossy.network.lost).toEqual(['/rest/v1/rpc/chat_inbox']);
    expect(store.getSnapshot().conversations.map((c) => c.id)).toEqual([created.conversation.id]);
  }, 60_000);

  it('a request that is not repeated fails as a retryable timeout instead of hanging', async () => {
    const [alice, bob] = await Promise.all([signUp(target, 'lost-create-a'), signUp(target, 'lost-create-b')]);
    const lossy = await onLossyNetwork(alice);
    const store = startStore(lossy.client);
    await store.start();

    lossy.network.lose('/functions/v1/chat-create');
    const error = await store.create({ title: 'answer lost', participant_ids: [bob.id] }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ChatApiError);
    expect(error).toMatchObject({ status: null, code: 'timeout', retryable: true });
  }, 60_000);
});
