// Issue 13's bodies and events: chat-edit, chat-delete, chat-leave, chat-read {all: true}.
import { describe, expect, it } from 'vitest';
import type { Caller } from '../_shared/caller.ts';
import { messageChangeEvents, readAllEvents } from '../_shared/events.ts';
import {
  CHANGE_EVENT,
  ChangeEventPayloads,
  inboxTopic,
  LIMITS,
  READ_ALL_EVENT_SIZE,
} from '../_shared/contract/index.ts';
import { chatDelete } from '../chat-delete/handler.ts';
import { chatEdit } from '../chat-edit/handler.ts';
import { chatLeave } from '../chat-leave/handler.ts';
import { chatReadOrAll } from '../chat-read/read-all.ts';
import { refusal } from './refusal.ts';

const user: Caller = { kind: 'user', token: 'a.b.c' };
const chat_id = '6f1c1a3e-8a0e-4d39-9f3a-2b7a1f0c9d11';
const message_id = '00000000-0000-4000-a000-000000000001';
const alice = '00000000-0000-4000-a000-00000000000a';
const bob = '00000000-0000-4000-a000-00000000000b';

describe('bodies', () => {
  it('accept what the contract allows', () => {
    expect(chatEdit.parse({ chat_id, message_id, text: 'fixed', meta: { a: 1 } }, user)).toEqual({ chat_id, message_id, text: 'fixed', meta: { a: 1 } });
    expect(chatDelete.parse({ chat_id, message_id }, user)).toEqual({ chat_id, message_id });
    expect(chatLeave.parse({ chat_id }, user)).toEqual({ chat_id });
    expect(chatLeave.parse({ chat_id, user_id: bob }, user)).toEqual({ chat_id, user_id: bob });
    expect(chatReadOrAll.parse({ all: true }, user)).toEqual({ all: true });
    expect(chatReadOrAll.parse({ chat_id, up_to_number: 2 }, user)).toEqual({ one: { chat_id, up_to_number: 2 } });
  });

  it.each([
    ['edit without text', chatEdit, { chat_id, message_id }],
    ['edit with whitespace text', chatEdit, { chat_id, message_id, text: '  ' }],
    ['edit over the text limit', chatEdit, { chat_id, message_id, text: 'x'.repeat(LIMITS.textChars + 1) }],
    ['edit with oversized meta', chatEdit, { chat_id, message_id, text: 'x', meta: { blob: 'x'.repeat(LIMITS.metaBytes) } }],
    ['edit with a forged user_id', chatEdit, { chat_id, message_id, text: 'x', user_id: alice }],
    ['edit of a non-uuid message', chatEdit, { chat_id, message_id: "1' or 1=1", text: 'x' }],
    ['delete without message_id', chatDelete, { chat_id }],
    ['delete with an unknown field', chatDelete, { chat_id, message_id, hard: true }],
    ['leave with a non-uuid user', chatLeave, { chat_id, user_id: 'bob' }],
    ['read all with a chat_id', chatReadOrAll, { all: true, chat_id }],
    ['read all false', chatReadOrAll, { all: false }],
    ['read with neither', chatReadOrAll, {}],
  ] as const)('refuses %s with 400 invalid_body', (_name, fn, body) => {
    expect(refusal(() => fn.parse(body, user))).toMatchObject({ status: 400, code: 'invalid_body' });
  });
});

describe('events', () => {
  const tombstone = {
    id: message_id, chat_id, message_number: 1, user_id: alice, user_name: 'alice', role: 'user' as const, text: '',
    client_msg_id: null, status: 'sent', meta: {}, created_at: '2026-12-01T00:00:00.000Z',
    edited_at: null, deleted_at: '2026-12-01T00:01:00.000Z', version: 7,
  };

  it('an edit or delete is one event per participant, valid against the contract', () => {
    const events = messageChangeEvents(CHANGE_EVENT.messageDelete, [{ user_id: alice }, { user_id: bob }], { chat_id, message: tombstone, version: 7 });
    expect(events.map((e) => e.topic)).toEqual([inboxTopic(alice), inboxTopic(bob)]);
    for (const e of events) expect(ChangeEventPayloads[CHANGE_EVENT.messageDelete].parse(e.payload).version).toBe(7);
  });

  it('mark all read is one event per READ_ALL_EVENT_SIZE conversations, to the reader only', () => {
    const read = Array.from({ length: READ_ALL_EVENT_SIZE + 1 }, (_, i) => ({ chat_id, last_read_message_number: i }));
    const events = readAllEvents(alice, read);
    expect(events).toHaveLength(2);
    expect(new Set(events.map((e) => e.topic))).toEqual(new Set([inboxTopic(alice)]));
    expect(events.flatMap((e) => ChangeEventPayloads[CHANGE_EVENT.conversationsRead].parse(e.payload).conversations)).toEqual(read);
    expect(readAllEvents(alice, [])).toEqual([]);
  });
});
