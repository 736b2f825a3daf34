import { describe, expect, it } from 'vitest';
import { conversationUpdate, inboxUpdates, messageTopicEvents, sendEvents } from '../_shared/events.ts';
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

describe('sendEvents with the summary inline (CHAT_SEND_SUMMARY=inline)', () => {
  const recipients = [{ user_id: alice, unread_count: 0, last_read_message_number: 2 }, { user_id: bob, unread_count: 2, last_read_message_number: 0 }];
  const events = sendEvents(recipients, summary, [message(1), message(2)], 'inline');

  it('sends M Realtime messages per recipient for M messages: no conversation-update', () => {
    expect(events.map((e) => [e.topic, e.event])).toEqual([
      [`user-realtime:${alice}`, EVENT.messageInsert],
      [`user-realtime:${alice}`, EVENT.messageInsert],
      [`user-realtime:${bob}`, EVENT.messageInsert],
      [`user-realtime:${bob}`, EVENT.messageInsert],
    ]);
  });

  it('puts each recipient’s own summary on their last message-insert only, as the conversation-update would carry it', () => {
    const payloads = events.map((e) => MessageInsertPayload.parse(e.payload));
    expect(payloads.map((p) => p.conversation?.unread_count)).toEqual([undefined, 0, undefined, 2]);
    const separate = sendEvents(recipients, summary, [message(1), message(2)], 'separate');
    const updates = separate.filter((e) => e.event === EVENT.conversationUpdate).map((e) => ConversationUpdatePayload.parse(e.payload).data);
    expect([payloads[1]!.conversation, payloads[3]!.conversation]).toEqual(updates);
  });

  it('a single message carries it on that message', () => {
    const [only] = sendEvents([recipients[1]!], summary, [message(2)], 'inline');
    expect(MessageInsertPayload.parse(only!.payload)).toMatchObject({ message: { message_number: 2 }, conversation: { version: 3, last_read_message_number: 0 } });
  });
});

describe('a large conversation’s send', () => {
  it('goes once per message on the conversation’s message topic, the last with the version after the send', () => {
    const events = messageTopicEvents(summary, [message(1), message(2)]);
    expect(events.map((e) => [e.topic, e.event, e.private])).toEqual([
      [`chat-messages:${chat}`, EVENT.messageInsert, true],
      [`chat-messages:${chat}`, EVENT.messageInsert, true],
    ]);
    const payloads = events.map((e) => MessageInsertPayload.parse(e.payload));
    expect(payloads.map((p) => [p.message.message_number, p.version, p.conversation])).toEqual([[1, undefined, undefined], [2, 3, undefined]]);
  });

  it('and once per recipient as their own conversation-update, for the coalescer', () => {
    const events = inboxUpdates([{ user_id: alice, unread_count: 0 }, { user_id: bob, unread_count: 2 }], summary);
    expect(events.map((e) => [e.topic, e.event, ConversationUpdatePayload.parse(e.payload).data.unread_count])).toEqual([
      [`user-realtime:${alice}`, EVENT.conversationUpdate, 0],
      [`user-realtime:${bob}`, EVENT.conversationUpdate, 2],
    ]);
  });
});

describe('conversationUpdate', () => {
  it('carries the reason and event type', () => {
    const event = conversationUpdate({ user_id: bob, unread_count: 0 }, summary, 'participant-joined', 'INSERT');
    expect(event.payload).toMatchObject({ chat_id: chat, eventType: 'INSERT', reason: 'participant-joined' });
  });
});
