// Whether an InboxStore shows what the database says, for the convergence tests and the soak.
import type { SupabaseClient } from '@supabase/supabase-js';
import { z } from 'zod';
import { ConversationSummary } from 'supabase-realtime-inbox-contract';
import { isOptimistic, type InboxStore } from 'supabase-realtime-inbox/client';

/** The user's inbox as chat_inbox returns it, read with the user's own client. */
export async function serverInbox(client: SupabaseClient): Promise<ConversationSummary[]> {
  const { data, error } = await client.rpc('chat_inbox');
  if (error) throw new Error(`chat_inbox failed: ${error.message}`);
  return z.array(ConversationSummary).parse(data);
}

/**
 * Every way the store differs from the server's inbox: conversation order, last message, unread
 * counts and total (muted and archived conversations left out), the user's settings of each; and for
 * each conversation with messages loaded, its messages 1..n once each, in order, nothing left pending.
 * Empty when they agree.
 */
export function inboxMismatches(store: InboxStore, server: readonly ConversationSummary[]): string[] {
  const { conversations, unreadTotal, messages } = store.getSnapshot();
  const problems: string[] = [];
  const order = (list: readonly ConversationSummary[]) => list.map((c) => c.id).join(',');
  if (order(conversations) !== order(server)) problems.push(`order ${order(conversations)} != ${order(server)}`);
  const held = new Map(conversations.map((c) => [c.id, c]));
  for (const truth of server) {
    const mine = held.get(truth.id);
    if (!mine) continue;
    if (mine.last_message_number !== truth.last_message_number || mine.last_message?.id !== truth.last_message?.id) {
      problems.push(`${truth.id}: last message ${mine.last_message_number} != ${truth.last_message_number}`);
    }
    if (mine.unread_count !== truth.unread_count) problems.push(`${truth.id}: unread ${mine.unread_count} != ${truth.unread_count}`);
    for (const key of ['muted', 'pinned', 'archived'] as const) {
      if (Boolean(mine[key]) !== Boolean(truth[key])) problems.push(`${truth.id}: ${key} ${Boolean(mine[key])} != ${Boolean(truth[key])}`);
    }
    const loaded = messages[truth.id];
    if (!loaded || loaded.length === 0) continue;
    if (loaded.some(isOptimistic)) problems.push(`${truth.id}: messages still pending`);
    const numbers = loaded.filter((m) => !isOptimistic(m)).map((m) => m.message_number!);
    const first = numbers[0]!;
    const expected = Array.from({ length: truth.last_message_number - first + 1 }, (_, i) => first + i);
    if (numbers.join(',') !== expected.join(',')) {
      problems.push(`${truth.id}: holds ${numbers.length} messages ${first}..${numbers.at(-1)}, server has up to ${truth.last_message_number}`);
    }
  }
  const total = server.reduce((sum, c) => (c.muted || c.archived ? sum : sum + c.unread_count), 0);
  if (unreadTotal !== total) problems.push(`unread total ${unreadTotal} != ${total}`);
  return problems;
}
