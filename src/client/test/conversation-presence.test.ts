import { describe, expect, it } from 'vitest';
import { InboxStore } from '../inbox-store.ts';
import { ConversationPresence, conversationTopic, READ_EVENT, TypingRoster, TypingThrottle, type ReadAnnouncement } from '../conversation-presence.ts';

describe('TypingThrottle', () => {
  it('lets one announcement through per interval, and again at once after reset', () => {
    let now = 1000;
    const throttle = new TypingThrottle(3000, () => now);
    expect(throttle.take()).toBe(true);
    now += 2999;
    expect(throttle.take()).toBe(false);
    now += 1;
    expect(throttle.take()).toBe(true);
    throttle.reset();
    expect(throttle.take()).toBe(true);
  });
});

describe('TypingRoster', () => {
  it('expires each typer on the receiver side after their last announcement', () => {
    let now = 0;
    const roster = new TypingRoster(5000, () => now);
    expect(roster.heardFrom('bob')).toBe(true);
    now = 3000;
    expect(roster.heardFrom('bob')).toBe(false);
    expect(roster.heardFrom('carol')).toBe(true);
    expect(roster.typers()).toEqual(['bob', 'carol']);
    expect(roster.nextExpiryIn()).toBe(5000);
    now = 8000;
    expect(roster.typers()).toEqual([]);
    expect(roster.nextExpiryIn()).toBeNull();
  });

  it('forgets a typer who sent a message', () => {
    const roster = new TypingRoster(5000, () => 0);
    roster.heardFrom('bob');
    expect(roster.stopped('bob')).toBe(true);
    expect(roster.typers()).toEqual([]);
  });

  it('names the topic chat:<chat_id>', () => {
    expect(conversationTopic('6f1c1a3e-8a0e-4d39-9f3a-2b7a1f0c9d11')).toBe('chat:6f1c1a3e-8a0e-4d39-9f3a-2b7a1f0c9d11');
  });
});

describe('ConversationPresence', () => {
  it('hands out bound subscribe and getSnapshot, as useSyncExternalStore calls them', () => {
    // Nothing touches the client before join().
    const room = new ConversationPresence({} as never, '6f1c1a3e-8a0e-4d39-9f3a-2b7a1f0c9d11', { userId: 'u' });
    const { subscribe, getSnapshot } = room;
    const unsubscribe = subscribe(() => {});
    expect(getSnapshot()).toEqual({ typing: [], online: [] });
    expect(unsubscribe()).toBe(true);
  });
});

/** Just enough of a supabase client's channel to drive join(), send() and incoming broadcasts. */
function fakeClient() {
  const sent: { event: string; payload: unknown }[] = [];
  const handlers = new Map<string, (message: { payload: unknown }) => void>();
  let onStatus: (status: string) => void = () => {};
  const channel = {
    on(_type: string, filter: { event: string }, handler: (message: { payload: unknown }) => void) {
      handlers.set(filter.event, handler);
      return channel;
    },
    subscribe(callback: (status: string) => void) {
      onStatus = callback;
      return channel;
    },
    send: (message: { event: string; payload: unknown }) => sent.push(message),
    track: () => Promise.resolve('ok'),
    presenceState: () => ({}),
  };
  const client = { channel: () => channel, removeChannel: () => Promise.resolve('ok') };
  return { client, sent, status: (s: string) => onStatus(s), hear: (event: string, payload: unknown) => handlers.get(event)?.({ payload }) };
}

describe('ConversationPresence read announcements', () => {
  it('holds a read mark made before the join completes and sends the newest once joined', async () => {
    const fake = fakeClient();
    const room = new ConversationPresence(fake.client as never, 'c', { userId: 'me' });
    const joined = room.join();
    room.read(3);
    room.read(5);
    expect(fake.sent).toEqual([]);
    fake.status('SUBSCRIBED');
    await joined;
    expect(fake.sent.filter((m) => m.event === READ_EVENT).map((m) => m.payload)).toEqual([{ user_id: 'me', message_number: 5 }]);
    room.read(6);
    expect(fake.sent.filter((m) => m.event === READ_EVENT).map((m) => m.payload)).toEqual([
      { user_id: 'me', message_number: 5 },
      { user_id: 'me', message_number: 6 },
    ]);
  });

  it("passes other members' well-formed announcements to onRead, and drops its own and malformed ones", async () => {
    const fake = fakeClient();
    const room = new ConversationPresence(fake.client as never, 'c', { userId: 'me' });
    const heard: ReadAnnouncement[] = [];
    room.onRead((read) => heard.push(read));
    const joined = room.join();
    fake.status('SUBSCRIBED');
    await joined;
    fake.hear(READ_EVENT, { user_id: 'bob', message_number: 4 });
    fake.hear(READ_EVENT, { user_id: 'me', message_number: 4 });
    fake.hear(READ_EVENT, { user_id: 'bob', message_number: -1 });
    fake.hear(READ_EVENT, { user_id: 'bob' });
    expect(heard).toEqual([{ user_id: 'bob', message_number: 4 }]);
  });
});

describe('ConversationPresence and the read-receipt gate', () => {
  const gate = (announce: boolean, hear: boolean) => ({ announcesReads: () => announce, hearsReads: () => hear });

  it('announces nothing when the gate says no (read receipts off, or above the member bound)', async () => {
    const fake = fakeClient();
    let announce = false;
    const room = new ConversationPresence(fake.client as never, 'c', { userId: 'me', receipts: { announcesReads: () => announce, hearsReads: () => true } });
    const joined = room.join();
    room.read(3);
    fake.status('SUBSCRIBED');
    await joined;
    room.read(4);
    expect(fake.sent.filter((m) => m.event === READ_EVENT)).toEqual([]);
    // Turned on again later: the next read goes out, the ones made while off never do.
    announce = true;
    room.read(5);
    expect(fake.sent.filter((m) => m.event === READ_EVENT).map((m) => m.payload)).toEqual([{ user_id: 'me', message_number: 5 }]);
  });

  it('drops the others’ announcements when the gate does not heed them', async () => {
    const fake = fakeClient();
    const room = new ConversationPresence(fake.client as never, 'c', { userId: 'me', receipts: gate(true, false) });
    const heard: ReadAnnouncement[] = [];
    room.onRead((read) => heard.push(read));
    const joined = room.join();
    fake.status('SUBSCRIBED');
    await joined;
    fake.hear(READ_EVENT, { user_id: 'bob', message_number: 4 });
    expect(heard).toEqual([]);
  });

  it('follows the InboxStore made with the same supabase client when given no gate', async () => {
    const fake = fakeClient();
    // The store only registers itself here; nothing else of the client is touched before start().
    const store = new InboxStore(fake.client as never);
    const room = new ConversationPresence(fake.client as never, 'c', { userId: 'me' });
    const joined = room.join();
    fake.status('SUBSCRIBED');
    await joined;
    room.read(2);
    // The store has not read the user's settings yet (nor heard of the conversation): unknown means silent.
    expect(store.announcesReads('c')).toBe(false);
    expect(fake.sent.filter((m) => m.event === READ_EVENT)).toEqual([]);
  });
});
