// chat-settings: its two bodies (one conversation's mute/archive/pin, the user's read receipts), the one
// RPC each calls, and the one event each sends, to the caller's own channel only.
import { describe, expect, it } from 'vitest';
import type { Caller } from '../_shared/caller.ts';
import type { FanoutConfig } from '../_shared/config.ts';
import type { DatabaseClient } from '../_shared/rpc.ts';
import {
  CHANGE_EVENT,
  ChangeEventPayloads,
  ConversationUpdatePayload,
  EVENT,
  inboxTopic,
} from '../_shared/contract/index.ts';
import { chatSettings } from '../chat-settings/handler.ts';
import { refusal } from './refusal.ts';

// The deployment defaults; chat-settings does not fan out.
const fanout: FanoutConfig = { summary: 'separate', largeMembers: 0, largeWindowMs: 5000, largeViewerShare: 0.1 };
const user: Caller = { kind: 'user', token: 'a.b.c' };
const chat_id = '6f1c1a3e-8a0e-4d39-9f3a-2b7a1f0c9d11';
const alice = '00000000-0000-4000-a000-00000000000a';

/** A client whose one RPC answers `data`, recording what was called. */
function fakeClient(data: unknown) {
  const calls: { fn: string; args: unknown }[] = [];
  const client = {
    rpc: (fn: string, args: unknown) => {
      calls.push({ fn, args });
      return Promise.resolve({ data, error: null, status: 200 });
    },
  } as unknown as DatabaseClient;
  return { client, calls };
}

describe('bodies', () => {
  it('accept a conversation form with any of muted, archived, pinned, and the user form', () => {
    expect(chatSettings.parse({ chat_id, muted: true }, user)).toEqual({ conversation: { chat_id, muted: true } });
    expect(chatSettings.parse({ chat_id, archived: false, pinned: true }, user)).toEqual({
      conversation: { chat_id, archived: false, pinned: true },
    });
    expect(chatSettings.parse({ read_receipts: false }, user)).toEqual({ user: { read_receipts: false } });
  });

  it.each([
    ['no setting at all', { chat_id }],
    ['nothing', {}],
    ['a non-boolean setting', { chat_id, muted: 'yes' }],
    ['an unknown setting', { chat_id, starred: true }],
    ['a forged user_id (settings are always the caller’s)', { chat_id, muted: true, user_id: alice }],
    ['a non-uuid chat_id', { chat_id: 'all', muted: true }],
    ['read receipts with a chat_id (they are per user)', { chat_id, read_receipts: false }],
    ['read receipts as a string', { read_receipts: 'off' }],
    ['read receipts with another user', { read_receipts: false, user_id: alice }],
  ] as const)('refuses %s with 400 invalid_body', (_name, body) => {
    expect(refusal(() => chatSettings.parse(body, user))).toMatchObject({ status: 400, code: 'invalid_body' });
  });

  it('is for signed-in users only', () => {
    expect(chatSettings.allowServer).toBe(false);
  });
});

describe('one RPC, one event to the caller', () => {
  it('a conversation setting: chat_settings with nulls for the rest, then a settings conversation-update', async () => {
    const conversation = {
      id: chat_id, title: 't', mode: 'chat', is_public: false, last_message: null, last_message_number: 3,
      participant_count: 2, updated_at: '2026-12-02T00:00:00.000000Z', version: 4,
      muted: true, pinned: false, archived: false, archived_through: null, settings_version: 2,
    };
    const { client, calls } = fakeClient({ user_id: alice, changed: true, unread_count: 1, last_read_message_number: 2, conversation });
    const outcome = await chatSettings.run({ conversation: { chat_id, muted: true } }, { caller: user, client, fanout });
    expect(calls).toEqual([{ fn: 'chat_settings', args: { chat_id, muted: true, archived: null, pinned: null } }]);
    expect(outcome.events).toHaveLength(1);
    const [event] = outcome.events;
    expect(event).toMatchObject({ topic: inboxTopic(alice), event: EVENT.conversationUpdate });
    const payload = ConversationUpdatePayload.parse(event!.payload);
    expect(payload).toMatchObject({ eventType: 'UPDATE', reason: 'settings', data: { muted: true, settings_version: 2, unread_count: 1, last_read_message_number: 2 } });
    expect(outcome.body).toEqual({ conversation: payload.data });
  });

  it('read receipts: chat_set_user_settings, then a user-settings event', async () => {
    const { client, calls } = fakeClient({ user_id: alice, changed: false, read_receipts: false, version: 3 });
    const outcome = await chatSettings.run({ user: { read_receipts: false } }, { caller: user, client, fanout });
    expect(calls).toEqual([{ fn: 'chat_set_user_settings', args: { read_receipts: false } }]);
    expect(outcome.body).toEqual({ settings: { read_receipts: false, version: 3 } });
    // Sent even when nothing changed: a retry after a lost answer also repairs a lost broadcast.
    expect(outcome.events).toEqual([
      { topic: inboxTopic(alice), event: CHANGE_EVENT.userSettings, payload: { read_receipts: false, version: 3 }, private: true },
    ]);
    expect(ChangeEventPayloads[CHANGE_EVENT.userSettings].parse(outcome.events[0]!.payload)).toEqual({ read_receipts: false, version: 3 });
  });
});
