import { describe, expect, it } from 'vitest';
import { parseInboxEvent } from '../events.ts';

const CHAT = '00000000-0000-4000-8000-000000000001';
const message = {
  id: '00000000-0000-4000-8000-000000001001',
  chat_id: CHAT,
  message_number: 1,
  user_id: '00000000-0000-4000-8000-000000000100',
  user_name: 'alice',
  role: 'user',
  text: 'hi',
  client_msg_id: 'c-1',
  status: 'sent',
  meta: {},
  // Postgres text, as @supabase/lite sends it: the schema normalises it to ISO 8601.
  created_at: '2026-11-22 02:58:21.676382+00',
};
const summary = {
  id: CHAT,
  title: 'team',
  mode: 'chat',
  is_public: false,
  last_message: message,
  last_message_number: 1,
  unread_count: 1,
  participant_count: 2,
  updated_at: '2026-11-22T02:58:21.676Z',
};

describe('parseInboxEvent', () => {
  it('checks the change events of issue 13 against their contract schemas too', () => {
    const edit = parseInboxEvent('message-update', { chat_id: CHAT, message: { ...message, edited_at: message.created_at, version: 4 }, version: 4 });
    expect(edit).toMatchObject({ ok: true, event: { name: 'message-update', payload: { version: 4, message: { version: 4 } } } });
    expect(parseInboxEvent('conversations-read', { all: true, conversations: [{ chat_id: CHAT, last_read_message_number: 3 }] }).ok).toBe(true);
    // A delete without the conversation version could not be placed in the change sequence: dropped.
    expect(parseInboxEvent('message-delete', { chat_id: CHAT, message }).ok).toBe(false);
  });

  it('accepts a valid message-insert and normalises its timestamps', () => {
    const parsed = parseInboxEvent('message-insert', { chat_id: CHAT, message });
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.event.name).toBe('message-insert');
    expect(parsed.event.payload).toMatchObject({ chat_id: CHAT, message: { created_at: '2026-11-22T02:58:21.676382Z' } });
  });

  it('keeps microseconds in every timestamp shape, so the client orders as Postgres does', () => {
    const shapes = ['2026-11-22 02:58:21.676382+00', '2026-11-22T02:58:21.676382+00:00', '2026-11-22T04:58:21.676382+02', '2026-11-22 01:28:21.676382-0130'];
    for (const created_at of shapes) {
      const parsed = parseInboxEvent('message-insert', { chat_id: CHAT, message: { ...message, created_at } });
      expect(parsed.ok && parsed.event.name === 'message-insert' && parsed.event.payload.message.created_at).toBe('2026-11-22T02:58:21.676382Z');
    }
    const milliseconds = parseInboxEvent('conversation-update', { chat_id: CHAT, eventType: 'UPDATE', reason: 'message', data: summary });
    expect(milliseconds.ok && milliseconds.event.name === 'conversation-update' && milliseconds.event.payload.data.updated_at).toBe('2026-11-22T02:58:21.676000Z');
  });

  it('accepts a valid conversation-update', () => {
    const parsed = parseInboxEvent('conversation-update', { chat_id: CHAT, eventType: 'UPDATE', reason: 'message', data: summary });
    expect(parsed).toMatchObject({ ok: true, event: { name: 'conversation-update', payload: { data: { id: CHAT } } } });
  });

  it.each([
    ['null', null],
    ['a string', 'message-insert'],
    ['a missing message', { chat_id: CHAT }],
    ['a non-uuid chat id', { chat_id: 'chat-1', message }],
    ['a message number of 0', { chat_id: CHAT, message: { ...message, message_number: 0 } }],
    ['a bad timestamp', { chat_id: CHAT, message: { ...message, created_at: 'yesterday' } }],
  ])('reports %s as invalid instead of throwing', (_label, payload) => {
    const parsed = parseInboxEvent('message-insert', payload);
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.invalid.name).toBe('message-insert');
    expect(parsed.invalid.payload).toBe(payload);
    expect(parsed.invalid.error.issues.length).toBeGreaterThan(0);
  });

  it('reports a conversation-update with an unknown reason or a negative unread count', () => {
    expect(parseInboxEvent('conversation-update', { chat_id: CHAT, eventType: 'UPDATE', reason: 'renamed', data: summary }).ok).toBe(false);
    const negative = { ...summary, unread_count: -1 };
    expect(parseInboxEvent('conversation-update', { chat_id: CHAT, eventType: 'UPDATE', reason: 'read', data: negative }).ok).toBe(false);
  });
});
