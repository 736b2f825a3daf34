import type { SupabaseClient } from '@supabase/supabase-js';
import { useEffect, useState } from 'react';
import type { ConversationSummary } from './client.ts';

export interface Participant {
  user_id: string;
  name: string | null;
  role: string;
  /** Null for a member who turned read receipts off (the database hides it from the others). */
  last_read_message_number: number | null;
}

/**
 * Who is in a conversation and how far each has read (`chat_participants`). Read again whenever the
 * summary says something changed (someone joined, a new message), which is when it can differ, and
 * whenever `reread` changes (the caller's cue that read marks moved).
 */
export function useParticipants(supabase: SupabaseClient, conversation: ConversationSummary, reread = 0): Participant[] {
  const [participants, setParticipants] = useState<Participant[]>([]);
  const { id, participant_count, last_message_number } = conversation;
  useEffect(() => {
    let current = true;
    supabase.rpc('chat_participants', { chat_id: id }).then(({ data }) => {
      if (current && data) setParticipants(data as Participant[]);
    });
    return () => {
      current = false;
    };
  }, [supabase, id, participant_count, last_message_number, reread]);
  return participants;
}
