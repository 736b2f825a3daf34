// Per-user settings in the reducer: pinned first, archived apart (and back on a new message), muted
// out of the total, merged by settings_version whatever order summaries arrive in, the user's
// read-receipt setting, the checkpoint's `settings`, and the read-receipt gate.
import { describe, expect, it } from 'vitest';
import {
  ConversationSummary as ConversationSchema,
  Message as MessageSchema,
  READ_RECEIPTS_MAX_MEMBERS,
  type ConversationSummary,
  type Message,
  type UserSettings,
} from 'supabase-realtime-inbox-contract';
import type { InboxEvent } from '../events.ts';
import {
  announcesReads,
  changesFrom,
  emptyInbox,
  hearsReads,
  inboxCheckpoint,
  mergeSummaries,
  reduce,
  sameCheckpoint,
  type InboxAction,
  type InboxState,
} from '../inbox-state.ts';

const uuid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const [A, B, C] = [uuid(1), uuid(2), uuid(3)];
const at = (second: number) => `${new Date(Date.UTC(2026, 11, 2, 12, 0, second)).toISOString().slice(0, 19)}.000000Z`;

const message = (chatId: string, number: number): Message =>
  MessageSchema.parse({
    id: uuid(1000 + number), chat_id: chatId, message_number: number, user_id: uuid(101), user_name: 'bob', role: 'user',
    text: `message ${number}`, client_msg_id: null, status: 'sent', meta: {}, created_at: at(number),
  });

const summary = (id: string, fields: Partial<ConversationSummary> = {}): ConversationSummary =>
  ConversationSchema.parse({
    id, title: 't', mode: 'chat', is_public: false, last_message: null, last_message_number: 0, unread_count: 0,
    participant_count: 2, updated_at: at(0), version: 1, ...fields,
  });

/** The settings fields as the server sends them (chat_inbox, chat-settings). */
const settings = (version: number, fields: Partial<ConversationSummary> = {}): Partial<ConversationSummary> => ({
  muted: false, pinned: false, archived: false, archived_through: null, settings_version: version, ...fields,
});

const received = (...conversations: ConversationSummary[]): InboxAction => ({ type: 'conversations-received', conversations });
const update = (data: ConversationSummary, reason: 'message' | 'settings' = 'settings'): InboxAction => ({
  type: 'event',
  event: { name: 'conversation-update', payload: { chat_id: data.id, eventType: 'UPDATE', reason, data } } satisfies InboxEvent,
});
const insert = (m: Message): InboxAction => ({ type: 'event', event: { name: 'message-insert', payload: { chat_id: m.chat_id, message: m } } });
const userSettings = (s: UserSettings): InboxAction => ({ type: 'event', event: { name: 'user-settings', payload: s } });
const run = (actions: InboxAction[], state: InboxState = emptyInbox) => actions.reduce(reduce, state);
const ids = (list: readonly ConversationSummary[]) => list.map((c) => c.id);

describe('conversation settings in the inbox', () => {
  it('lists pinned conversations first, then by latest activity, as chat_inbox does', () => {
    const state = run([
      received(
        summary(A, { updated_at: at(9) }),
        summary(B, { updated_at: at(1), ...settings(1, { pinned: true }) }),
        summary(C, { updated_at: at(5) }),
      ),
    ]);
    expect(ids(state.conversations)).toEqual([B, A, C]);
    // Unpinned by an event from another tab: back in activity order.
    expect(ids(reduce(state, update(summary(B, { updated_at: at(1), ...settings(2) }))).conversations)).toEqual([A, C, B]);
  });

  it('keeps archived conversations apart until a new message brings one back', () => {
    const state = run([
      received(
        summary(A, { last_message_number: 3, unread_count: 1, ...settings(1, { archived: true, archived_through: 3 }) }),
        summary(B, { last_message_number: 1, updated_at: at(1) }),
      ),
    ]);
    expect(ids(state.active)).toEqual([B]);
    expect(ids(state.archived)).toEqual([A]);
    expect(ids(state.conversations)).toEqual([B, A]);
    expect(state.unreadTotal).toBe(0);

    // The message-insert alone brings it back, before any conversation-update.
    const back = reduce(state, insert(message(A, 4)));
    expect(ids(back.active)).toEqual([A, B]);
    expect(back.archived).toEqual([]);
    expect(back.conversations[0]).toMatchObject({ archived: false, archived_through: 3 });
    // The send's summary carries no settings: the held ones stay, and it is still not archived.
    const summed = reduce(back, update(summary(A, { version: 2, last_message_number: 4, updated_at: at(4), unread_count: 2 }), 'message'));
    expect(summed.conversations[0]).toMatchObject({ archived: false, archived_through: 3, settings_version: 1 });
    expect(summed.unreadTotal).toBe(2);
  });

  it('leaves muted conversations out of the unread total, not out of their own count', () => {
    const muted = { last_message_number: 2, unread_count: 2 };
    const state = run([received(summary(A, { ...muted, ...settings(1, { muted: true }) }), summary(B, { last_message_number: 3, unread_count: 3 }))]);
    expect(state.unreadTotal).toBe(3);
    expect(state.conversations.find((c) => c.id === A)!.unread_count).toBe(2);
    expect(reduce(state, update(summary(A, { ...muted, ...settings(2) }))).unreadTotal).toBe(5);
  });

  it('merges settings by settings_version, apart from the conversation version, in any order', () => {
    const stale = summary(A, { version: 9, last_message_number: 9, ...settings(1) }); // a newer conversation, older settings
    const fresh = summary(A, { version: 5, last_message_number: 5, ...settings(2, { muted: true }) });
    const bare = summary(A, { version: 10, last_message_number: 10 }); // a send's summary: no settings at all
    const orders = [
      [stale, fresh, bare],
      [bare, fresh, stale],
      [fresh, bare, stale],
      [stale, bare, fresh],
    ];
    for (const order of orders) {
      const state = run(order.map((s) => received(s)));
      expect(state.summaries[A]).toMatchObject({ version: 10, last_message_number: 10, muted: true, settings_version: 2 });
    }
    expect(mergeSummaries(fresh, stale)).toEqual(mergeSummaries(stale, fresh));
  });

  it('a settings event moves no conversation version: no chat_changes read, nothing else changes', () => {
    const held = summary(A, { version: 4, last_message_number: 2, ...settings(1) });
    const state = run([received(held), { type: 'messages-received', chatId: A, messages: [message(A, 1), message(A, 2)] }]);
    const pinned = reduce(state, update(summary(A, { version: 4, last_message_number: 2, ...settings(2, { pinned: true }) })));
    expect(pinned.summaries[A]).toMatchObject({ pinned: true, settings_version: 2, version: 4 });
    expect(pinned.synced[A]).toBe(4);
    expect(changesFrom(pinned, A)).toBeNull();
    expect(pinned.messages).toBe(state.messages);
    // Heard twice, or an older one late: the same state.
    expect(reduce(pinned, update(summary(A, { version: 4, last_message_number: 2, ...settings(2, { pinned: true }) })))).toBe(pinned);
    expect(reduce(pinned, update(summary(A, { version: 4, last_message_number: 2, ...settings(1) })))).toBe(pinned);
  });
});

describe('user settings', () => {
  it('take the higher version, from the catch-up read or the event, in any order', () => {
    const off = { read_receipts: false, version: 3 };
    const older = { read_receipts: true, version: 2 };
    expect(run([userSettings(older), userSettings(off)]).userSettings).toEqual(off);
    const state = run([userSettings(off)]);
    expect(reduce(state, { type: 'user-settings-received', settings: older })).toBe(state);
    expect(reduce(state, userSettings(off))).toBe(state);
  });
});

describe('the checkpoint', () => {
  it('sums settings versions and the user settings version, as chat_inbox_checkpoint does', () => {
    const state = run([
      received(summary(A, settings(3)), summary(B, settings(0)), summary(C)),
      userSettings({ read_receipts: false, version: 2 }),
    ]);
    const mine = inboxCheckpoint(state);
    expect(mine.settings).toBe(5);
    expect(sameCheckpoint(mine, { ...mine, settings: 4 })).toBe(false);
    // A server older than settings sends no such number: the other four decide.
    const { settings: _none, ...older } = mine;
    expect(sameCheckpoint(older, mine)).toBe(true);
    // A missed settings event shows: the server's sum moved, the client's did not.
    expect(sameCheckpoint({ ...mine, settings: 6 }, inboxCheckpoint(state))).toBe(false);
    expect(inboxCheckpoint(reduce(state, update(summary(A, settings(4, { muted: true }))))).settings).toBe(6);
  });
});

describe('the read-receipt gate', () => {
  const small = summary(A);
  const large = summary(B, { participant_count: READ_RECEIPTS_MAX_MEMBERS + 1 });
  const atBound = summary(C, { participant_count: READ_RECEIPTS_MAX_MEMBERS });

  it('announces only with read receipts on, as the server said, and at most the member bound', () => {
    const unknown = run([received(small, large, atBound)]);
    expect(announcesReads(unknown, A)).toBe(false);
    const on = reduce(unknown, userSettings({ read_receipts: true, version: 0 }));
    expect([A, B, C, uuid(9)].map((id) => announcesReads(on, id))).toEqual([true, false, true, false]);
    const off = reduce(on, userSettings({ read_receipts: false, version: 1 }));
    expect([A, B, C].map((id) => announcesReads(off, id))).toEqual([false, false, false]);
  });

  it('heeds announcements except in conversations above the bound, whatever the own setting', () => {
    const off = run([received(small, large, atBound), userSettings({ read_receipts: false, version: 1 })]);
    expect([A, B, C, uuid(9)].map((id) => hearsReads(off, id))).toEqual([true, false, true, true]);
  });
});
