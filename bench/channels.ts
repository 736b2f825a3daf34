// What each design costs a client: connections and channels for a user in N conversations. Ours
// joins one private channel whatever N; a channel-per-conversation client joins N.
import type { SupabaseClient } from '@supabase/supabase-js';
import { UnifiedChannelService } from 'supabase-realtime-inbox/client';
import { type Bench, callFunction, clientFor, createUsers, signUpUser } from './harness.ts';
import { round } from './stats.ts';

export interface ChannelsResult {
  conversations: number;
  ours: { connections: number; channels: number; joinMs: number };
  perConversation: { connections: number; channels: number; joinMs: number };
}

export async function channelsPerUser(bench: Bench, conversationCounts: number[]): Promise<ChannelsResult[]> {
  const { user: me, client } = await signUpUser(bench, 'channels');
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
    const perConversationClient = clientFor(bench, me);
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
