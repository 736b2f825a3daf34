import type { SupabaseClient } from '@supabase/supabase-js';
import { useEffect, useState } from 'react';
import { ConversationPresence } from './client.ts';

// supabase.channel() hands back a topic's existing channel, so a room must not join while the previous
// room on the same topic (this conversation opened again, or React's double mount) is still leaving.
const leaving = new Map<string, Promise<void>>();

/** The open conversation's room on chat:<chat_id>: joined while mounted, left on unmount. */
export function useConversationRoom(supabase: SupabaseClient, chatId: string, userId: string): ConversationPresence {
  const [room] = useState(() => new ConversationPresence(supabase, chatId, { userId }));
  useEffect(() => {
    let mounted = true;
    const joined = (leaving.get(chatId) ?? Promise.resolve()).then(() => (mounted ? room.join() : undefined));
    return () => {
      mounted = false;
      const left: Promise<void> = joined
        .then(() => room.leave())
        .finally(() => {
          if (leaving.get(chatId) === left) leaving.delete(chatId);
        });
      leaving.set(chatId, left);
    };
  }, [room, chatId]);
  return room;
}

/** "Ann is typing…", "Ann and Bo are typing…", "Ann, Bo and Cy are typing…"; empty when nobody is. */
export function typingLine(names: string[]): string {
  if (names.length === 0) return '';
  if (names.length === 1) return `${names[0]} is typing…`;
  return `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]} are typing…`;
}
