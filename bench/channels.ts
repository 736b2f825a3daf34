// What each design costs a client: connections and channels for a user in N conversations. Ours
// joins one private channel whatever N; a channel-per-conversation client joins N.
import { createClient, type SupabaseClient } from '@supabase/supabase-js';
import WebSocket from 'ws';
import { UnifiedChannelService } from '../src/client/index.ts';
import { type Bench, callFunction, createUsers } from './harness.ts';
import { round } from './stats.ts';

export interface ChannelsResult {
  conversations: number;
  ours: { connections: number; channels: number; joinMs: number };
  perConversation: { connections: number; channels: number; joinMs: number };
}

export async function channelsPerUser(bench: Bench, conversationCounts: number[]): Promise<ChannelsResult[]> {
  const { url, keys } = bench.stack;
  const client = createClient(url, keys.publishableKey, {
    auth: { persistSession: false, autoRefreshToken: false },
    realtime: { transport: WebSocket as never },
  });
  const { data, error } = await client.auth.signUp({ email: `channels-${Date.now()}@example.test`, password: 'bench password 1' });
  if (error || !data.session) throw new Error(`sign-up failed: ${error?.message}`);
  const me = { id: data.session.user.id, token: data.session.access_token };
  const [other] = await createUsers(bench, 1);
  const chats: string[] = [];

  const results: ChannelsResult[] = [];
  for (const count of conversationCounts) {
    while (chats.length < count) {
      chats.push((await callFunction(bench, 'chat-create', me, { title: `c${chats.length}`, participant_ids: [other.id] })).conversation.id);
    }
    const ours = await measureJoin(bench, client, async () => {
      const service = new UnifiedChannelService(client);
      await service.subscribe(me.id);
      return () => service.cleanup();
    });
    const perConversationClient = createClient(url, keys.publishableKey, {
      accessToken: async () => me.token,
      realtime: { transport: WebSocket as never },
    });
    const perConversation = await measureJoin(bench, perConversationClient, async () => {
      await perConversationClient.realtime.setAuth();
      await Promise.all(chats.slice(0, count).map((chatId) =>
        new Promise<void>((resolve, reject) =>
          perConversationClient.channel(`conversation:${chatId}`).subscribe((status, err) =>
            status === 'SUBSCRIBED' ? resolve() : (status === 'CHANNEL_ERROR' || status === 'TIMED_OUT') && reject(err ?? new Error(status))
          )
        )
      ));
      return () => {};
    });
    results.push({ conversations: count, ours, perConversation });
  }
  return results;
}

/** Sockets the stack accepted and channels the client holds once `join` is done; then leaves. */
async function measureJoin(bench: Bench, client: SupabaseClient, join: () => Promise<() => void>) {
  const upgrades = bench.stack.requestCounts().websocketUpgrades;
  const started = performance.now();
  const leave = await join();
  const joinMs = round(performance.now() - started);
  const measured = { connections: bench.stack.requestCounts().websocketUpgrades - upgrades, channels: client.getChannels().length, joinMs };
  leave();
  await client.removeAllChannels();
  client.realtime.disconnect();
  return measured;
}
