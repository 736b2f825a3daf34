// Joining benchmark subscribers to their inbox channels, shared by the client processes
// (client-worker.ts) and the quota-cost run.
import type { SupabaseClient } from '@supabase/supabase-js';

/**
 * Sets the client's auth, joins user-realtime:<userId> with onInsert on each message-insert
 * broadcast (and onUpdate on each conversation-update), and resolves once subscribed (rejects on a
 * channel error or time-out).
 */
export async function joinInbox(
  client: SupabaseClient,
  userId: string,
  isPrivate: boolean,
  onInsert: (payload: Record<string, any>) => void,
  onUpdate?: (payload: Record<string, any>) => void,
): Promise<void> {
  await joinTopic(client, `user-realtime:${userId}`, isPrivate, onInsert, onUpdate);
}

/** The same for any topic: a large conversation's message topic (chat-messages:<chat_id>), say. */
export async function joinTopic(
  client: SupabaseClient,
  topic: string,
  isPrivate: boolean,
  onInsert: (payload: Record<string, any>) => void,
  onUpdate?: (payload: Record<string, any>) => void,
): Promise<void> {
  // The first join would otherwise go out before the token callback resolved, as anon.
  await client.realtime.setAuth();
  await new Promise<void>((resolve, reject) => {
    const channel = client
      .channel(topic, { config: { private: isPrivate } })
      .on('broadcast', { event: 'message-insert' }, ({ payload }) => onInsert(payload));
    if (onUpdate) channel.on('broadcast', { event: 'conversation-update' }, ({ payload }) => onUpdate(payload));
    channel.subscribe((status, error) => {
      if (status === 'SUBSCRIBED') resolve();
      else if (status === 'CHANNEL_ERROR' || status === 'TIMED_OUT') reject(error ?? new Error(status));
    });
  });
}

/** Runs join for every user, in slices of 100 so a thousand joins do not time out queued behind each other. */
export async function joinInSlices<U>(users: U[], join: (user: U) => Promise<void>): Promise<void> {
  for (let i = 0; i < users.length; i += 100) await Promise.all(users.slice(i, i + 100).map(join));
}
