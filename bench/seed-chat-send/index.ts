// BENCHMARK BASELINE ONLY — never deploy. The seed design's chat-send (docs/seeds/003_f2e7a8ed5dfea657.txt), rebuilt
// faithfully so the benchmarks can run it beside ours: insert the message, then a separate query for
// the participants, then one channel.send() per participant. The function never subscribes, so every
// send falls back to one Realtime REST request, fire-and-forget, on the public `user-realtime:<id>`
// topic the seed's frontends listened on.
import { createClient } from '@supabase/supabase-js';

const supabase = createClient(Deno.env.get('SUPABASE_URL')!, Deno.env.get('SUPABASE_SERVICE_ROLE_KEY')!, {
  auth: { persistSession: false },
});

Deno.serve(async (req) => {
  const { chat_id, text, user_id } = await req.json();
  const { data, error } = await supabase
    .from('seed_messages')
    .insert({ chat_id, text, user_id, role: 'user' })
    .select()
    .single();
  if (error) return Response.json({ error: error.message }, { status: 500 });

  const { data: participants } = await supabase
    .from('conversations_participants')
    .select('user_id')
    .eq('conversation_id', chat_id);
  const participantUserIds = participants?.map((p) => p.user_id) || [];
  const targetUserIds = participantUserIds.length > 0 ? participantUserIds : (user_id ? [user_id] : []);

  for (const targetUserId of targetUserIds) {
    const broadcastChannel = supabase.channel(`user-realtime:${targetUserId}`);
    broadcastChannel.send({ type: 'broadcast', event: 'message-insert', payload: { chat_id, message: data } });
  }
  return Response.json({ data });
});
