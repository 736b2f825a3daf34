import { describe, expect, it } from 'vitest';
import {
  ConversationSummary as ConversationSchema,
  Message as MessageSchema,
  type ConversationSummary,
  type Message,
} from 'supabase-realtime-inbox-contract';
import type { InboxEvent } from '../events.ts';
import {
  changesFrom,
  conversationsBehind,
  conversationsChanged,
  emptyInbox,
  missingAfter,
  olderPage,
  reduce,
  supersedes,
  type InboxAction,
  type InboxState,
  type OptimisticMessage,
} from '../inbox-state.ts';

// ---- fixtures: valid against the wire schemas, so the state is tested on what the client really gets

const uuid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const CHAT = uuid(1);
const OTHER_CHAT = uuid(2);
const ME = uuid(100);
const BOB = uuid(101);
/** As the wire schemas normalise timestamps: UTC, microseconds. */
const at = (second: number, micros = 0) =>
  `${new Date(Date.UTC(2026, 10, 22, 12, 0, second)).toISOString().slice(0, 19)}.${String(micros).padStart(6, '0')}Z`;

function message(number: number, fields: Partial<Message> = {}): Message {
  return MessageSchema.parse({
    id: uuid(1000 + number),
    chat_id: CHAT,
    message_number: number,
    user_id: BOB,
    user_name: 'bob',
    role: 'user',
    text: `message ${number}`,
    client_msg_id: null,
    status: 'sent',
    meta: {},
    created_at: at(number),
    ...fields,
  });
}

function summary(id: string, fields: Partial<ConversationSummary> = {}): ConversationSummary {
  return ConversationSchema.parse({
    id,
    title: `chat ${id.slice(-2)}`,
    mode: 'chat',
    is_public: false,
    last_message: null,
    last_message_number: 0,
    unread_count: 0,
    participant_count: 2,
    updated_at: at(0),
    ...fields,
  });
}

function pending(clientMsgId: string, chatId = CHAT): OptimisticMessage {
  return {
    id: clientMsgId,
    chat_id: chatId,
    message_number: null,
    user_id: ME,
    user_name: null,
    role: 'user',
    text: 'hello',
    client_msg_id: clientMsgId,
    status: 'pending',
    error: null,
    meta: {},
    created_at: at(30),
  };
}

const insertEvent = (m: Message): InboxAction => ({
  type: 'event',
  event: { name: 'message-insert', payload: { chat_id: m.chat_id, message: m } },
});
const updateEvent = (data: ConversationSummary, eventType: 'INSERT' | 'UPDATE' | 'DELETE' = 'UPDATE'): InboxAction => ({
  type: 'event',
  event: { name: 'conversation-update', payload: { chat_id: data.id, eventType, reason: 'message', data } } satisfies InboxEvent,
});

const run = (actions: InboxAction[], state: InboxState = emptyInbox) => actions.reduce(reduce, state);
const numbers = (state: InboxState, chatId = CHAT) => state.messages[chatId]!.map((m) => m.message_number);

// ---- conversations

describe('conversations', () => {
  it('are ordered by activity, newest first, id breaking ties', () => {
    const state = run([
      {
        type: 'conversations-received',
        conversations: [
          summary(uuid(3), { updated_at: at(5) }),
          summary(uuid(2), { updated_at: at(9) }),
          summary(uuid(1), { updated_at: at(5) }),
        ],
      },
    ]);
    expect(state.conversations.map((c) => c.id)).toEqual([uuid(2), uuid(1), uuid(3)]);
  });

  it('move to the top when a conversation-update reports newer activity', () => {
    const state = run([
      { type: 'conversations-received', conversations: [summary(CHAT, { updated_at: at(1) }), summary(OTHER_CHAT, { updated_at: at(2) })] },
      updateEvent(summary(CHAT, { updated_at: at(3), last_message_number: 1, unread_count: 1 })),
    ]);
    expect(state.conversations.map((c) => c.id)).toEqual([CHAT, OTHER_CHAT]);
  });

  it('count unread per conversation and in total', () => {
    const state = run([
      { type: 'conversations-received', conversations: [summary(CHAT, { unread_count: 2 }), summary(OTHER_CHAT, { unread_count: 5 })] },
    ]);
    expect(state.conversations.map((c) => c.unread_count).sort()).toEqual([2, 5]);
    expect(state.unreadTotal).toBe(7);
  });

  it('read-marked zeroes one conversation at once, and the total with it', () => {
    const before = run([
      {
        type: 'conversations-received',
        conversations: [summary(CHAT, { last_message_number: 2, unread_count: 2 }), summary(OTHER_CHAT, { last_message_number: 5, unread_count: 5 })],
      },
    ]);
    const after = reduce(before, { type: 'read-marked', chatId: CHAT });
    expect(after.conversations.find((c) => c.id === CHAT)!.unread_count).toBe(0);
    expect(after.unreadTotal).toBe(5);
    expect(reduce(after, { type: 'read-marked', chatId: CHAT })).toBe(after);
    expect(reduce(after, { type: 'read-marked', chatId: uuid(9) })).toBe(after);
  });

  it('ignore a summary older than the one held: a lower version and no newer read mark, whatever its clock says', () => {
    const current = summary(CHAT, { version: 7, last_message_number: 5, updated_at: at(5), unread_count: 2 });
    const state = run([{ type: 'conversations-received', conversations: [current] }]);
    expect(reduce(state, updateEvent(summary(CHAT, { version: 6, last_message_number: 4, updated_at: at(9), unread_count: 1 })))).toBe(state);
    expect(reduce(state, updateEvent(summary(CHAT, { version: 6, last_message_number: 5, updated_at: at(9), unread_count: 2 })))).toBe(state);
    expect(reduce(state, { type: 'conversations-received', conversations: [summary(CHAT, { version: 3, last_message_number: 3 })] })).toBe(state);
  });

  it('take a same-version summary that differs (a read changes unread, not the version)', () => {
    const state = run([{ type: 'conversations-received', conversations: [summary(CHAT, { version: 5, last_message_number: 5, unread_count: 3 })] }]);
    const read = reduce(state, updateEvent(summary(CHAT, { version: 5, last_message_number: 5, unread_count: 0 })));
    expect(read.conversations[0]!.unread_count).toBe(0);
    expect(read.unreadTotal).toBe(0);
  });

  it('keep the same state object when an identical summary arrives again', () => {
    const data = summary(CHAT, { last_message_number: 2, last_message: message(2), unread_count: 1 });
    const state = run([updateEvent(data, 'INSERT')]);
    expect(reduce(state, updateEvent({ ...data, last_message: message(2) }))).toBe(state);
  });

  it('supersedes: a higher version, or a higher read mark; never the clock', () => {
    const held = summary(CHAT, { version: 5, last_message_number: 5, unread_count: 2, updated_at: at(5) });
    expect(supersedes(summary(CHAT, { version: 6, last_message_number: 6, unread_count: 3, updated_at: at(1) }), held)).toBe(true);
    expect(supersedes(summary(CHAT, { version: 6, last_message_number: 5, unread_count: 2, title: 'renamed' }), held)).toBe(true);
    expect(supersedes(summary(CHAT, { version: 4, last_message_number: 4, unread_count: 1, updated_at: at(9) }), held)).toBe(false);
    expect(supersedes(summary(CHAT, { version: 5, last_message_number: 5, unread_count: 2, updated_at: at(5) }), held)).toBe(false);
    expect(supersedes(summary(CHAT, { version: 4, last_message_number: 4, last_read_message_number: 4, unread_count: 0 }), held)).toBe(true);
  });

  it('a DELETE update removes the conversation and its messages', () => {
    const state = run([
      { type: 'conversations-received', conversations: [summary(CHAT, { unread_count: 1 }), summary(OTHER_CHAT)] },
      insertEvent(message(1)),
      updateEvent(summary(CHAT), 'DELETE'),
    ]);
    expect(state.conversations.map((c) => c.id)).toEqual([OTHER_CHAT]);
    expect(state.messages[CHAT]).toBeUndefined();
    expect(state.unreadTotal).toBe(0);
  });

  it('a left conversation stays gone when events sent before the leave arrive after it', () => {
    const left = run([
      { type: 'conversations-received', conversations: [summary(CHAT, { version: 4 }), summary(OTHER_CHAT)] },
      { type: 'conversation-left', chatId: CHAT },
      updateEvent(summary(CHAT, { version: 5, last_message_number: 1, unread_count: 1 })),
      insertEvent(message(1)),
    ]);
    expect(left.conversations.map((c) => c.id)).toEqual([OTHER_CHAT]);
    expect(left.messages[CHAT]).toBeUndefined();
    expect(left.unreadTotal).toBe(0);

    // Added again: an INSERT event, or a server read that lists it, brings it back.
    expect(reduce(left, updateEvent(summary(CHAT, { version: 9 }), 'INSERT')).conversations.map((c) => c.id)).toContain(CHAT);
    const listed = reduce(left, { type: 'inbox-received', conversations: [summary(CHAT, { version: 9 }), summary(OTHER_CHAT)], heldBefore: left.summaries });
    expect(listed.conversations.map((c) => c.id)).toContain(CHAT);
    expect(reduce(listed, insertEvent(message(1))).messages[CHAT]?.map((m) => m.message_number)).toEqual([1]);
  });
});

// ---- messages

describe('messages', () => {
  it('are kept in number order whatever order they arrive in', () => {
    const state = run([insertEvent(message(3)), insertEvent(message(1)), insertEvent(message(2))]);
    expect(numbers(state)).toEqual([1, 2, 3]);
  });

  it('arriving twice (same event, or event then catch-up) leave one copy and the same state object', () => {
    const once = run([insertEvent(message(1)), insertEvent(message(2))]);
    expect(reduce(once, insertEvent(message(2)))).toBe(once);
    expect(reduce(once, { type: 'messages-received', chatId: CHAT, messages: [message(1), message(2)] })).toBe(once);
    const mixed = reduce(once, { type: 'messages-received', chatId: CHAT, messages: [message(2), message(3), message(3)] });
    expect(numbers(mixed)).toEqual([1, 2, 3]);
  });

  it('are deduplicated by client_msg_id as well as by id', () => {
    const state = run([insertEvent(message(1, { client_msg_id: 'c-1' }))]);
    const sameClientId = message(1, { id: uuid(5555), client_msg_id: 'c-1' });
    expect(reduce(state, insertEvent(sameClientId))).toBe(state);
  });

  it('are filed per conversation', () => {
    const state = run([insertEvent(message(1)), insertEvent(message(1, { id: uuid(7777), chat_id: OTHER_CHAT }))]);
    expect(numbers(state, CHAT)).toEqual([1]);
    expect(numbers(state, OTHER_CHAT)).toEqual([1]);
  });

  it('move the conversation summary forward to a newer message, leaving unread to the server', () => {
    const state = run([
      {
        type: 'conversations-received',
        conversations: [summary(OTHER_CHAT, { updated_at: at(10) }), summary(CHAT, { version: 3, last_message_number: 3, unread_count: 1 })],
      },
      insertEvent(message(4, { created_at: at(20) })),
    ]);
    const chat = state.conversations[0]!;
    expect(chat.id).toBe(CHAT);
    expect(chat.last_message_number).toBe(4);
    expect(chat.last_message?.id).toBe(message(4).id);
    expect(chat.updated_at).toBe(at(20));
    expect(chat.unread_count).toBe(1);
    // The conversation-update that follows the message brings the recipient's own unread count.
    const updated = reduce(state, updateEvent({ ...chat, version: 4, unread_count: 2 }));
    expect(updated.conversations[0]!.unread_count).toBe(2);
    expect(updated.unreadTotal).toBe(2);
  });

  it('do not move a summary back for an older message', () => {
    const state = run([{ type: 'conversations-received', conversations: [summary(CHAT, { last_message_number: 9, updated_at: at(50) })] }]);
    const after = reduce(state, insertEvent(message(3)));
    expect(after.conversations).toBe(state.conversations);
  });

  it('never mutate the previous state', () => {
    const state = run([{ type: 'conversations-received', conversations: [summary(CHAT, { unread_count: 1 })] }, insertEvent(message(2))]);
    const copy = structuredClone(state);
    run(
      [
        insertEvent(message(1)),
        { type: 'send-started', message: pending('c-9') },
        { type: 'read-marked', chatId: CHAT },
        updateEvent(summary(CHAT), 'DELETE'),
      ],
      state,
    );
    expect(state).toEqual(copy);
  });
});

// ---- optimistic sends

describe('optimistic sends', () => {
  const mine = (number: number) => message(number, { user_id: ME, client_msg_id: 'c-1', text: 'hello' });

  it('show a pending message after the stored ones', () => {
    const state = run([insertEvent(message(1)), { type: 'send-started', message: pending('c-1') }]);
    expect(state.messages[CHAT]!.map((m) => [m.message_number, m.status])).toEqual([
      [1, 'sent'],
      [null, 'pending'],
    ]);
  });

  it('are replaced by the stored message when the response comes first, and the event changes nothing', () => {
    const started = run([{ type: 'send-started', message: pending('c-1') }]);
    const answered = reduce(started, { type: 'messages-received', chatId: CHAT, messages: [mine(1)] });
    expect(answered.messages[CHAT]).toEqual([mine(1)]);
    expect(reduce(answered, insertEvent(mine(1)))).toBe(answered);
  });

  it('are replaced by the stored message when the event comes first, and the response changes nothing', () => {
    const started = run([{ type: 'send-started', message: pending('c-1') }]);
    const evented = reduce(started, insertEvent(mine(1)));
    expect(evented.messages[CHAT]).toEqual([mine(1)]);
    expect(reduce(evented, { type: 'messages-received', chatId: CHAT, messages: [mine(1)] })).toBe(evented);
  });

  it('stay last while other people’s messages arrive, then take their numbered place', () => {
    const state = run([
      { type: 'send-started', message: pending('c-1') },
      insertEvent(message(1)),
      insertEvent(message(2)),
    ]);
    expect(numbers(state)).toEqual([1, 2, null]);
    expect(numbers(reduce(state, insertEvent(mine(3))))).toEqual([1, 2, 3]);
  });

  it('fail with the reason, go back to pending on retry, and are replaced once stored', () => {
    const failed = run([
      { type: 'send-started', message: pending('c-1') },
      { type: 'send-failed', chatId: CHAT, clientMsgId: 'c-1', error: 'forbidden' },
    ]);
    expect(failed.messages[CHAT]![0]).toMatchObject({ status: 'failed', error: 'forbidden', client_msg_id: 'c-1' });
    const retried = reduce(failed, { type: 'send-retried', chatId: CHAT, clientMsgId: 'c-1' });
    expect(retried.messages[CHAT]![0]).toMatchObject({ status: 'pending', error: null });
    expect(reduce(retried, insertEvent(mine(1))).messages[CHAT]).toEqual([mine(1)]);
  });

  it('a failed message is replaced too if the server stored it after all', () => {
    const failed = run([
      { type: 'send-started', message: pending('c-1') },
      { type: 'send-failed', chatId: CHAT, clientMsgId: 'c-1', error: 'timeout' },
    ]);
    expect(reduce(failed, insertEvent(mine(1))).messages[CHAT]).toEqual([mine(1)]);
  });

  it('ignore failures and retries of messages no longer pending, and the same client_msg_id twice', () => {
    const stored = run([{ type: 'send-started', message: pending('c-1') }, insertEvent(mine(1))]);
    expect(reduce(stored, { type: 'send-failed', chatId: CHAT, clientMsgId: 'c-1', error: 'late' })).toBe(stored);
    expect(reduce(stored, { type: 'send-retried', chatId: CHAT, clientMsgId: 'c-1' })).toBe(stored);
    expect(reduce(stored, { type: 'send-started', message: pending('c-1') })).toBe(stored);
  });
});

// ---- catch-up decisions

describe('gaps and catch-up', () => {
  it('a contiguous run is not behind', () => {
    const state = run([insertEvent(message(1)), insertEvent(message(2))]);
    expect(missingAfter(state, CHAT)).toBeNull();
    expect(conversationsBehind(state)).toEqual([]);
  });

  it('a number skipped on a live event reports the conversation as needing catch-up from before the hole', () => {
    const state = run([insertEvent(message(1)), insertEvent(message(2)), insertEvent(message(5))]);
    expect(missingAfter(state, CHAT)).toBe(2);
    expect(conversationsBehind(state)).toEqual([CHAT]);
    const filled = reduce(state, { type: 'messages-received', chatId: CHAT, messages: [message(3), message(4), message(5)] });
    expect(missingAfter(filled, CHAT)).toBeNull();
  });

  it('out-of-order delivery is a gap only until the late message lands', () => {
    const early = run([insertEvent(message(1)), insertEvent(message(3))]);
    expect(missingAfter(early, CHAT)).toBe(1);
    expect(missingAfter(reduce(early, insertEvent(message(2))), CHAT)).toBeNull();
  });

  it('a summary ahead of the loaded messages reports the conversation as behind', () => {
    const state = run([insertEvent(message(1)), updateEvent(summary(CHAT, { last_message_number: 4, updated_at: at(4) }))]);
    expect(missingAfter(state, CHAT)).toBe(1);
  });

  it('a conversation with no messages loaded is never behind: its summary is all that shows', () => {
    const state = run([
      { type: 'conversations-received', conversations: [summary(CHAT, { last_message_number: 40 })] },
      { type: 'send-started', message: pending('c-1') },
    ]);
    expect(missingAfter(state, CHAT)).toBeNull();
    expect(missingAfter(state, OTHER_CHAT)).toBeNull();
    expect(conversationsBehind(state)).toEqual([]);
  });

  it('a window that starts late (history not loaded yet) is not a gap', () => {
    const state = run([insertEvent(message(57)), insertEvent(message(58))]);
    expect(missingAfter(state, CHAT)).toBeNull();
  });
});

describe('history pages', () => {
  it('read the newest page of a known conversation when none is held', () => {
    const state = run([{ type: 'conversations-received', conversations: [summary(CHAT, { last_message_number: 120 })] }]);
    expect(olderPage(state, CHAT, 50)).toEqual({ after: 70, limit: 50 });
  });

  it('read the page just before the oldest held message, shorter at the start', () => {
    const state = run([insertEvent(message(51)), insertEvent(message(52))]);
    expect(olderPage(state, CHAT, 50)).toEqual({ after: 0, limit: 50 });
    expect(olderPage(state, CHAT, 20)).toEqual({ after: 30, limit: 20 });
  });

  it('have nothing to read from the first message, an empty or an unknown conversation', () => {
    expect(olderPage(run([insertEvent(message(1))]), CHAT, 50)).toBeNull();
    expect(olderPage(run([{ type: 'conversations-received', conversations: [summary(CHAT)] }]), CHAT, 50)).toBeNull();
    expect(olderPage(emptyInbox, CHAT, 50)).toBeNull();
  });
});

it('reset forgets everything', () => {
  const state = run([{ type: 'conversations-received', conversations: [summary(CHAT, { unread_count: 3 })] }, insertEvent(message(1))]);
  expect(reduce(state, { type: 'reset' })).toBe(emptyInbox);
});

// ---- issue 10: summaries versioned by server state, never by clocks

describe('summary versions (issue 10, bug 1)', () => {
  const mine = (number: number, second: number) => message(number, { user_id: ME, client_msg_id: `c-${number}`, created_at: at(second) });
  const bobs = (number: number, second: number) => message(number, { created_at: at(second) });
  const update = (fields: Partial<ConversationSummary>) => updateEvent(summary(CHAT, fields));

  // The sequence seen under concurrent sends on Postgres before times were taken under the lock: Bob's
  // message 10 and mine, 11, raced; 11 got the number later but the earlier timestamp.
  const held: InboxAction = {
    type: 'conversations-received',
    conversations: [summary(CHAT, { version: 9, last_message_number: 9, unread_count: 9, updated_at: at(5) })],
  };
  const race: InboxAction[] = [
    insertEvent(bobs(10, 10)),
    update({ version: 10, last_message_number: 10, last_message: bobs(10, 10), unread_count: 10, updated_at: at(10) }),
    // my send's answer, then my own event, then my conversation-update: read up to 11, unread 0
    { type: 'messages-received', chatId: CHAT, messages: [mine(11, 8)] },
    insertEvent(mine(11, 8)),
    update({ version: 11, last_message_number: 11, last_message: mine(11, 8), last_read_message_number: 11, unread_count: 0, updated_at: at(8) }),
  ];

  it('the sender of the last message of a burst shows 0 unread, as the database does', () => {
    const state = run([held, ...race]);
    expect(state.conversations).toEqual([expect.objectContaining({ id: CHAT, last_message_number: 11, unread_count: 0, version: 11 })]);
    expect(state.unreadTotal).toBe(0);
    expect(numbers(state)).toEqual([10, 11]);
  });

  it('every arrival order of the same events ends in the same state', () => {
    const permutations = (items: InboxAction[]): InboxAction[][] =>
      items.length <= 1 ? [items] : items.flatMap((item, i) => permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]));
    const expected = run([held, ...race]);
    for (const order of permutations(race)) {
      const state = run([held, ...order]);
      expect(state.conversations).toEqual(expected.conversations);
      expect(state.unreadTotal).toBe(0);
      expect(numbers(state)).toEqual([10, 11]);
    }
  });

  it('a catch-up repairs a summary a locally bumped one would have refused', () => {
    const stale = run([held, insertEvent(bobs(10, 10)), update({ version: 10, last_message_number: 10, unread_count: 10, updated_at: at(10) }), insertEvent(mine(11, 8))]);
    expect(stale.conversations[0]).toMatchObject({ last_message_number: 11, unread_count: 10 });
    const inbox = [summary(CHAT, { version: 11, last_message_number: 11, last_message: mine(11, 8), unread_count: 0, updated_at: at(8) })];
    const repaired = reduce(stale, { type: 'inbox-received', conversations: inbox, heldBefore: stale.summaries });
    expect(repaired.conversations[0]).toMatchObject({ last_message_number: 11, unread_count: 0, updated_at: at(8) });
  });

  it('a read that arrives before the message update of the same version still wins', () => {
    const message10 = update({ version: 10, last_message_number: 10, last_read_message_number: 7, unread_count: 3 });
    const read = updateEvent(summary(CHAT, { version: 10, last_message_number: 10, last_read_message_number: 10, unread_count: 0 }));
    for (const order of [[message10, read], [read, message10]]) {
      expect(run([held, ...order]).conversations[0]!.unread_count).toBe(0);
    }
  });

  it('a newer message after a read counts from the read mark', () => {
    const state = run([
      held,
      update({ version: 10, last_message_number: 10, last_read_message_number: 10, unread_count: 0 }),
      update({ version: 12, last_message_number: 12, last_read_message_number: 9, unread_count: 3 }),
    ]);
    expect(state.conversations[0]).toMatchObject({ last_message_number: 12, last_read_message_number: 10, unread_count: 2 });
  });

  it('an unconfirmed read shows 0 until it settles; then the server decides', () => {
    const base = run([held]);
    const marked = reduce(base, { type: 'read-marked', chatId: CHAT, upTo: 9 });
    expect(marked.conversations[0]!.unread_count).toBe(0);
    expect(marked.unreadTotal).toBe(0);
    const newer = reduce(marked, update({ version: 10, last_message_number: 10, unread_count: 10 }));
    expect(newer.conversations[0]!.unread_count).toBe(1);
    // the read failed: the server never moved the mark
    const settled = reduce(newer, { type: 'read-settled', chatId: CHAT, upTo: 9 });
    expect(settled.conversations[0]!.unread_count).toBe(10);
    expect(settled.pendingReads).toEqual({});
    expect(reduce(settled, { type: 'read-settled', chatId: CHAT, upTo: 9 })).toBe(settled);
  });

  it('sorts by microseconds, then id, as chat_inbox does', () => {
    const state = run([
      {
        type: 'conversations-received',
        conversations: [
          summary(uuid(1), { updated_at: at(5, 100) }),
          summary(uuid(2), { updated_at: at(5, 200) }),
          summary(uuid(4), { updated_at: at(5, 300) }),
          summary(uuid(3), { updated_at: at(5, 300) }),
        ],
      },
    ]);
    expect(state.conversations.map((c) => c.id)).toEqual([uuid(3), uuid(4), uuid(2), uuid(1)]);
  });

  it('the inbox drops conversations it no longer lists, but not one that changed while it was read', () => {
    const before = run([
      { type: 'conversations-received', conversations: [summary(CHAT, { version: 2 }), summary(OTHER_CHAT, { version: 2 })] },
      insertEvent(message(1)),
    ]);
    const fresh = uuid(3);
    const during = reduce(before, updateEvent(summary(fresh, { version: 1 }), 'INSERT'));
    const after = reduce(during, { type: 'inbox-received', conversations: [summary(OTHER_CHAT, { version: 2 })], heldBefore: before.summaries });
    expect(after.conversations.map((c) => c.id).sort()).toEqual([OTHER_CHAT, fresh].sort());
    expect(after.messages[CHAT]).toBeUndefined();
  });
});

// ---- issue 13: edits, deletes, read-all and leaving, live and caught up

describe('edits, deletes and read-all (issue 13)', () => {
  const changeEvent = (m: Message, version: number, name: 'message-update' | 'message-delete' = 'message-update'): InboxAction => ({
    type: 'event',
    event: { name, payload: { chat_id: m.chat_id, message: m, version } },
  });
  const edited = (number: number, version: number, text = `edited ${number}`) =>
    message(number, { text, edited_at: at(40), version });
  const tombstone = (number: number, version: number) => message(number, { text: '', deleted_at: at(41), version });
  // Three messages loaded at version 3 (each send moved the version by one); the summary shows message 3.
  const loaded = run([
    { type: 'conversations-received', conversations: [summary(CHAT, { version: 3, last_message_number: 3, last_message: message(3), unread_count: 3, updated_at: at(3) })] },
    { type: 'messages-received', chatId: CHAT, messages: [message(1), message(2), message(3)] },
  ]);

  it('an edit replaces the held message by id, and the next version keeps the conversation in sync', () => {
    const state = reduce(loaded, changeEvent(edited(2, 4), 4));
    expect(state.messages[CHAT]!.map((m) => m.text)).toEqual(['message 1', 'edited 2', 'message 3']);
    expect(state.summaries[CHAT]!.version).toBe(4);
    expect(state.synced[CHAT]).toBe(4);
    expect(changesFrom(state, CHAT)).toBeNull();
  });

  it('an edit or delete of the last message moves the summary’s last_message, in the list too', () => {
    const state = run([changeEvent(edited(3, 4), 4), changeEvent(tombstone(3, 5), 5, 'message-delete')], loaded);
    expect(state.conversations[0]!.last_message).toMatchObject({ id: message(3).id, text: '', deleted_at: at(41), version: 5 });
    expect(state.messages[CHAT]![2]).toMatchObject({ text: '', version: 5 });
  });

  it('an older copy never replaces a newer one, and the same event twice keeps the state object', () => {
    const deleted = run([changeEvent(edited(2, 4), 4), changeEvent(tombstone(2, 5), 5, 'message-delete')], loaded);
    const late = reduce(deleted, changeEvent(edited(2, 4), 4));
    expect(late.messages[CHAT]![1]).toMatchObject({ text: '', version: 5 });
    expect(reduce(late, changeEvent(tombstone(2, 5), 5, 'message-delete'))).toBe(late);
  });

  it('a version that skips one reports the conversation for a chat_changes read from the synced version', () => {
    const state = reduce(loaded, changeEvent(edited(1, 5), 5));
    expect(state.messages[CHAT]![0]!.text).toBe('edited 1');
    expect(changesFrom(state, CHAT)).toEqual({ afterNumber: 3, afterVersion: 3 });
    expect(conversationsChanged(state)).toEqual([CHAT]);
  });

  it('a chat_inbox read with a newer version does not count as synced: only chat_changes does', () => {
    const newer = summary(CHAT, { version: 6, last_message_number: 4, last_message: message(4), unread_count: 4, updated_at: at(4) });
    const behind = reduce(loaded, { type: 'inbox-received', conversations: [newer], heldBefore: loaded.summaries });
    expect(changesFrom(behind, CHAT)).toEqual({ afterNumber: 3, afterVersion: 3 });
    const caught = reduce(behind, {
      type: 'changes-received',
      changes: { chat_id: CHAT, version: 6, conversation: newer, messages: [message(4)], changed: [edited(1, 5), tombstone(2, 6)], complete: true },
    });
    expect(caught.messages[CHAT]!.map((m) => [m.message_number, m.text])).toEqual([[1, 'edited 1'], [2, ''], [3, 'message 3'], [4, 'message 4']]);
    expect(changesFrom(caught, CHAT)).toBeNull();
    expect(caught.conversations[0]).toMatchObject({ version: 6, last_message_number: 4, unread_count: 4 });
  });

  it('caught up or online, the same changes end in the same messages and summary', () => {
    const online = run([changeEvent(edited(1, 4), 4), changeEvent(tombstone(3, 5), 5, 'message-delete')], loaded);
    const offline = reduce(loaded, {
      type: 'changes-received',
      changes: { chat_id: CHAT, version: 5, conversation: online.summaries[CHAT]!, messages: [], changed: [edited(1, 4), tombstone(3, 5)], complete: true },
    });
    expect(offline.messages).toEqual(online.messages);
    expect(offline.conversations).toEqual(online.conversations);
    expect(offline.synced).toEqual(online.synced);
  });

  it('an incomplete chat_changes answer syncs only up to its newest changed row', () => {
    const behind = reduce(loaded, { type: 'conversations-received', conversations: [summary(CHAT, { version: 9, last_message_number: 3, last_message: message(3), unread_count: 3, updated_at: at(3) })] });
    const partial = reduce(behind, {
      type: 'changes-received',
      changes: { chat_id: CHAT, version: 9, conversation: behind.summaries[CHAT]!, messages: [], changed: [edited(1, 4), edited(2, 5)], complete: false },
    });
    expect(changesFrom(partial, CHAT)).toEqual({ afterNumber: 3, afterVersion: 5 });
  });

  it('a chat_changes answer telling nothing new keeps the state object; pending sends stay last', () => {
    const withPending = reduce(loaded, { type: 'send-started', message: pending('c-1') });
    const same = reduce(withPending, {
      type: 'changes-received',
      changes: { chat_id: CHAT, version: 3, conversation: loaded.summaries[CHAT]!, messages: [], changed: [], complete: true },
    });
    expect(same).toBe(withPending);
    const confirmed = reduce(withPending, {
      type: 'changes-received',
      changes: { chat_id: CHAT, version: 4, conversation: loaded.summaries[CHAT]!, messages: [message(4, { client_msg_id: 'c-1', user_id: ME })], changed: [], complete: true },
    });
    expect(numbers(confirmed)).toEqual([1, 2, 3, 4]);
  });

  it('conversations-read moves each mark to max(held, received), unread to last number minus it', () => {
    const two = reduce(loaded, { type: 'conversations-received', conversations: [summary(OTHER_CHAT, { version: 2, last_message_number: 5, unread_count: 2 })] });
    const read: InboxAction = {
      type: 'event',
      event: { name: 'conversations-read', payload: { all: true, conversations: [{ chat_id: CHAT, last_read_message_number: 2 }, { chat_id: OTHER_CHAT, last_read_message_number: 1 }] } },
    };
    const state = reduce(two, read);
    expect(state.summaries[CHAT]).toMatchObject({ last_read_message_number: 2, unread_count: 1 });
    // Other chat's mark was 3 (5 − 2 unread): an older mark changes nothing.
    expect(state.summaries[OTHER_CHAT]).toBe(two.summaries[OTHER_CHAT]);
    expect(state.unreadTotal).toBe(3);
    expect(reduce(state, read)).toBe(state);
  });

  it('leaving drops the conversation, its messages and its sync marker; a chat_changes answer late for it is ignored', () => {
    const state = reduce(loaded, { type: 'conversation-left', chatId: CHAT });
    expect(state.conversations).toEqual([]);
    expect(state.messages[CHAT]).toBeUndefined();
    expect(state.synced[CHAT]).toBeUndefined();
    const late = reduce(state, {
      type: 'changes-received',
      changes: { chat_id: CHAT, version: 4, conversation: loaded.summaries[CHAT]!, messages: [message(4)], changed: [], complete: true },
    });
    expect(late).toBe(state);
  });

  it('a conversation-update that skips a version reports the conversation for chat_changes; the next one does not', () => {
    const next = reduce(loaded, updateEvent(summary(CHAT, { version: 4, last_message_number: 3, last_message: message(3), unread_count: 3, updated_at: at(3) })));
    expect(changesFrom(next, CHAT)).toBeNull();
    const skipped = reduce(loaded, updateEvent(summary(CHAT, { version: 5, last_message_number: 3, last_message: message(3), unread_count: 3, updated_at: at(3) })));
    expect(changesFrom(skipped, CHAT)).toEqual({ afterNumber: 3, afterVersion: 3 });
  });
});

describe('summaries inline and large conversations (issue 11)', () => {
  // Three messages loaded at version 3; every send moves the version by one.
  const loaded = run([
    { type: 'conversations-received', conversations: [summary(CHAT, { version: 3, last_message_number: 3, last_message: message(3), unread_count: 3, updated_at: at(3) })] },
    { type: 'messages-received', chatId: CHAT, messages: [message(1), message(2), message(3)] },
  ]);
  const after = (number: number, fields: Partial<ConversationSummary> = {}) =>
    summary(CHAT, { version: number, last_message_number: number, last_message: message(number), unread_count: number, updated_at: at(number), ...fields });
  const inline = (m: Message, conversation?: ConversationSummary): InboxAction => ({
    type: 'event',
    event: { name: 'message-insert', payload: { chat_id: m.chat_id, message: m, ...(conversation ? { conversation } : {}) } },
  });
  const onTopic = (m: Message, version?: number): InboxAction => ({
    type: 'event',
    event: { name: 'message-insert', payload: { chat_id: m.chat_id, message: m, ...(version === undefined ? {} : { version }) } },
  });

  it('a summary on a message-insert does what the conversation-update would have done', () => {
    const separate = run([insertEvent(message(4)), updateEvent(after(4))], loaded);
    const together = reduce(loaded, inline(message(4), after(4)));
    expect(together.conversations).toEqual(separate.conversations);
    expect(together.summaries).toEqual(separate.summaries);
    expect(together.messages).toEqual(separate.messages);
    expect(together.synced[CHAT]).toBe(4);
    expect(together.unreadTotal).toBe(4);
  });

  it('a batch’s summary rides on its last message; every arrival order ends in the same state', () => {
    const events = [inline(message(4)), inline(message(5)), inline(message(6), after(4, { last_message_number: 6, last_message: message(6), unread_count: 6, updated_at: at(6) }))];
    const expected = run(events, loaded);
    expect(expected.conversations[0]).toMatchObject({ last_message_number: 6, unread_count: 6, version: 4 });
    expect(numbers(expected)).toEqual([1, 2, 3, 4, 5, 6]);
    for (const order of [[2, 1, 0], [1, 2, 0], [2, 0, 1]]) {
      const state = run(order.map((i) => events[i]!), loaded);
      expect(state.conversations).toEqual(expected.conversations);
      expect(numbers(state)).toEqual([1, 2, 3, 4, 5, 6]);
    }
  });

  it('a lost message-insert with its summary shows as a gap at the next one, and its summary catches up', () => {
    const state = reduce(loaded, inline(message(5), after(5)));
    expect(missingAfter(state, CHAT)).toBe(3);
    expect(state.conversations[0]).toMatchObject({ last_message_number: 5, unread_count: 5 });
    // Version 4 (message 4's send) was missed too: the held messages are not known to be in sync.
    expect(changesFrom(state, CHAT)).toEqual({ afterNumber: 5, afterVersion: 3 });
  });

  it('a message from the topic keeps the held messages synced by its version; the coalesced update after needs no read', () => {
    const heard = run([onTopic(message(4), 4), onTopic(message(5), 5)], loaded);
    expect(heard.synced[CHAT]).toBe(5);
    // The list moves with the messages; the unread count waits for the recipient's own summary.
    expect(heard.conversations[0]).toMatchObject({ last_message_number: 5, unread_count: 3 });
    const updated = reduce(heard, updateEvent(after(5)));
    expect(updated.conversations[0]).toMatchObject({ last_message_number: 5, unread_count: 5, version: 5 });
    expect(changesFrom(updated, CHAT)).toBeNull();
    expect(missingAfter(updated, CHAT)).toBeNull();
  });

  it('a coalesced update’s last message joins the held messages; more than one missed is a gap to read', () => {
    const one = reduce(loaded, updateEvent(after(4)));
    expect(numbers(one)).toEqual([1, 2, 3, 4]);
    expect(missingAfter(one, CHAT)).toBeNull();
    const several = reduce(loaded, updateEvent(after(6)));
    expect(numbers(several)).toEqual([1, 2, 3, 6]);
    expect(missingAfter(several, CHAT)).toBe(3);
  });

  it('a summary’s last message is not held for a conversation with no messages loaded', () => {
    const state = reduce(emptyInbox, updateEvent(after(4)));
    expect(state.messages[CHAT]).toBeUndefined();
    expect(conversationsBehind(state)).toEqual([]);
  });
});
