// A request whose answer never comes back (a hung connection, a response lost after the server acted)
// must not leave the inbox stuck: the store gives up on it after its deadline, and what it repeats is
// stored once.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ChatApiError, InboxStore, type InboxStoreOptions } from 'supabase-realtime-inbox/client';
import { lossyNetwork } from '../support/lossy-network.ts';
import { asUser, callFunction, signIn, signUp, startLocalTarget, startTarget, type Target, type TestUser, waitFor } from '../support/stack.ts';

let target: Target;
const stores: InboxStore[] = [];
beforeAll(async () => {
  target = await startTarget();
}, 120_000);
afterEach(() => {
  for (const store of stores.splice(0)) store.stop();
});
afterAll(() => target?.stop());

/** `user` signed in again, on a client whose answers can be lost. */
async function onLossyNetwork(user: TestUser, on = target) {
  const network = lossyNetwork();
  const { client } = await signIn(on, user, { fetch: network.fetch });
  return { client, network };
}

function startStore(client: TestUser['client'], options: InboxStoreOptions = {}): InboxStore {
  const store = new InboxStore(client, { onError: () => {}, requestTimeoutMs: 1500, retry: { attempts: 4, baseMs: 50, maxMs: 200 }, ...options });
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

describe('the checkpoint polling, on the local stack (its broadcasts can be dropped)', () => {
  let local: Awaited<ReturnType<typeof startLocalTarget>>;
  beforeAll(async () => {
    local = await startLocalTarget();
  }, 120_000);
  afterAll(() => local?.stop());

  it('goes on after a checkpoint read whose answer was lost, so a dropped broadcast is still repaired', async () => {
    const [alice, bob] = await Promise.all([signUp(local, 'lost-check-a'), signUp(local, 'lost-check-b')]);
    const lossy = await onLossyNetwork(alice, local);
    const store = startStore(lossy.client, { checkpointIntervalMs: 300, requestTimeoutMs: 1000 });
    await store.start();
    const created = await callFunction(local, 'chat-create', { title: 'polled', participant_ids: [alice.id] }, asUser(local, bob));
    expect(created.status).toBe(200);
    const chatId: string = created.body.conversation.id;
    await waitFor(() => store.getSnapshot().conversations.some((c) => c.id === chatId), 'alice to see the conversation');

    lossy.network.lose('/rest/v1/rpc/chat_inbox_checkpoint');
    await waitFor(() => lossy.network.lost.length === 1, 'a checkpoint answer to be lost');
    local.stack.faults.broadcastApi('drop');
    const sent = await callFunction(local, 'chat-send', { chat_id: chatId, text: 'nobody hears this live', client_msg_id: crypto.randomUUID() }, asUser(local, bob));
    expect(sent.status).toBe(200);

    await waitFor(
      () => store.getSnapshot().conversations.find((c) => c.id === chatId)?.last_message_number === 1,
      'the checkpoint polling to find the message the dropped broadcast carried',
      10_000,
    );
    local.stack.faults.broadcastApi(null);
  }, 60_000);
});
