import { describe, expect, it } from 'vitest';
import { conversationUpdate, sendEvents } from '../_shared/events.ts';
import { ConversationUpdatePayload, EVENT, MessageInsertPayload } from '../_shared/contract/index.ts';

const chat = '6f1c1a3e-8a0e-4d39-9f3a-2b7a1f0c9d11';
const alice = '00000000-0000-4000-a000-00000000000a';
const bob = '00000000-0000-4000-a000-00000000000b';
const message = (n: number) => ({
  id: `00000000-0000-4000-a000-0000000000${String(n).padStart(2, '0')}`,
  chat_id: chat,
  message_number: n,
  user_id: alice,
  user_name: 'alice',
  role: 'user' as const,
  text: `m${n}`,
  client_msg_id: null,
  status: 'sent',
  meta: {},
  created_at: '2026-11-22T03:00:00.000Z',
});
const summary = {
  id: chat,
  title: 'Trip',
  mode: 'chat',
  is_public: false,
  last_message: message(2),
  last_message_number: 2,
  participant_count: 2,
  updated_at: '2026-11-22T03:00:00.000Z',
  version: 3,
};

describe('sendEvents', () => {
  const events = sendEvents([{ user_id: alice, unread_count: 0 }, { user_id: bob, unread_count: 2 }], summary, [message(1), message(2)]);

  it('gives every recipient each message, then their own summary, on their private inbox topic', () => {
    expect(events.map((e) => [e.topic, e.event])).toEqual([
      [`user-realtime:${alice}`, EVENT.messageInsert],
      [`user-realtime:${alice}`, EVENT.messageInsert],
      [`user-realtime:${alice}`, EVENT.conversationUpdate],
      [`user-realtime:${bob}`, EVENT.messageInsert],
      [`user-realtime:${bob}`, EVENT.messageInsert],
      [`user-realtime:${bob}`, EVENT.conversationUpdate],
    ]);
    expect(events.every((e) => e.private)).toBe(true);
  });

  it('produces payloads that satisfy the contract schemas, with each recipient’s own unread count', () => {
    for (const event of events) {
      const schema = event.event === EVENT.messageInsert ? MessageInsertPayload : ConversationUpdatePayload;
      expect(schema.safeParse(event.payload).success).toBe(true);
    }
    const unread = events.filter((e) => e.event === EVENT.conversationUpdate).map((e) => (e.payload as ConversationUpdatePayload).data.unread_count);
    expect(unread).toEqual([0, 2]);
  });
});

describe('conversationUpdate', () => {
  it('carries the reason and event type', () => {
    const event = conversationUpdate({ user_id: bob, unread_count: 0 }, summary, 'participant-joined', 'INSERT');
    expect(event.payload).toMatchObject({ chat_id: chat, eventType: 'INSERT', reason: 'participant-joined' });
  });
});
