// Per-event cost of the client's reducer with n messages held in the conversation an event lands in
// (issue 10: it was O(history)). `npx tsx bench/inbox-reducer.ts [path/to/inbox-state.ts]` prints ms per
// event for a new message (appended), a duplicate, and one filling a gap, at 1,000 and 10,000 held.
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import { ConversationSummary, Message } from 'supabase-realtime-inbox-contract';

const modulePath = resolve(process.argv[2] ?? 'src/client/inbox-state.ts');
const { reduce, emptyInbox } = await import(pathToFileURL(modulePath).href);

const CHAT = '00000000-0000-4000-8000-000000000001';
const uuid = (n: number) => `00000000-0000-4000-9000-${String(n).padStart(12, '0')}`;
const message = (n: number) =>
  Message.parse({
    id: uuid(n), chat_id: CHAT, message_number: n, user_id: null, user_name: null, role: 'user', text: `m${n}`,
    client_msg_id: `c-${n}`, status: 'sent', meta: {}, created_at: new Date(Date.UTC(2026, 0, 1) + n).toISOString(),
  });
const insert = (m: ReturnType<typeof message>) => ({ type: 'event', event: { name: 'message-insert', payload: { chat_id: CHAT, message: m } } });

function perEvent(held: number, kind: 'append' | 'duplicate' | 'gap-fill'): number {
  let state = reduce(emptyInbox, {
    type: 'conversations-received',
    conversations: [ConversationSummary.parse({ id: CHAT, title: '', mode: 'chat', is_public: false, last_message: null, last_message_number: held, unread_count: 0, participant_count: 2, updated_at: '2026-01-01T00:00:00Z' })],
  });
  const all = Array.from({ length: held }, (_, i) => message(i + 1));
  state = reduce(state, { type: 'messages-received', chatId: CHAT, messages: kind === 'gap-fill' ? all.filter((m) => m.message_number % 2 === 1) : all });
  const events = 400;
  const pending = Array.from({ length: events }, (_, i) =>
    kind === 'append' ? insert(message(held + 1 + i)) : kind === 'duplicate' ? insert(all[(i * 7) % held]) : insert(all[(2 * i + 1) % held]));
  const started = performance.now();
  for (const action of pending) state = reduce(state, action);
  return (performance.now() - started) / events;
}

for (const held of [1_000, 10_000]) {
  const row = (['append', 'duplicate', 'gap-fill'] as const).map((kind) => `${kind} ${perEvent(held, kind).toFixed(4)} ms`);
  console.log(JSON.stringify({ event: 'inbox_reducer_bench', held, module: process.argv[2] ?? 'current', per_event: row.join(', ') }));
}
