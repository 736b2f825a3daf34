// The message topic of an open conversation, with realtime-js replaced by channels the test drives.
import { describe, expect, it } from 'vitest';
import { ConversationFeed, type ConversationFeedHandlers } from '../conversation-feed.ts';
import type { InboxEvent } from '../events.ts';

const CHAT = '00000000-0000-4000-8000-000000000001';
const message = (chatId = CHAT) => ({
  id: '00000000-0000-4000-8000-000000000101',
  chat_id: chatId,
  message_number: 1,
  user_id: null,
  user_name: null,
  role: 'assistant',
  text: 'hi',
  client_msg_id: null,
  status: 'sent',
  meta: {},
  created_at: '2026-12-02T10:00:00.000000Z',
});

interface FakeChannel {
  topic: string;
  config: unknown;
  status: (status: string, error?: Error) => void;
  broadcast: (payload: unknown) => void;
  removed: boolean;
}

function fakeSupabase() {
  const channels: FakeChannel[] = [];
  const supabase = {
    realtime: { setAuth: () => Promise.resolve() },
    channel(topic: string, options: { config: unknown }) {
      const fake: FakeChannel = { topic, config: options.config, status: () => {}, broadcast: () => {}, removed: false };
      channels.push(fake);
      const channel = {
        on(_type: string, _filter: unknown, listener: (message: { payload: unknown }) => void) {
          fake.broadcast = (payload) => listener({ payload });
          return channel;
        },
        subscribe(callback: (status: string, error?: Error) => void) {
          fake.status = callback;
          return channel;
        },
        fake,
      };
      return channel;
    },
    removeChannel(channel: { fake: FakeChannel }) {
      channel.fake.removed = true;
      return Promise.resolve('ok');
    },
  };
  return { supabase: supabase as never, channels };
}

function handlers() {
  const seen = { events: [] as InboxEvent[], joined: 0, invalid: 0 };
  const h: ConversationFeedHandlers = {
    onEvent: (event) => seen.events.push(event),
    onJoined: () => seen.joined++,
    onInvalidEvent: () => seen.invalid++,
  };
  return { h, seen };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('ConversationFeed', () => {
  it('joins chat-messages:<chat_id> privately, and calls onJoined after the join and after every rejoin', async () => {
    const { supabase, channels } = fakeSupabase();
    const { h, seen } = handlers();
    const feed = new ConversationFeed(supabase, CHAT, h);
    const joined = feed.join();
    await tick();
    expect(channels.map((c) => [c.topic, c.config])).toEqual([[`chat-messages:${CHAT}`, { private: true }]]);
    channels[0]!.status('SUBSCRIBED');
    expect(await joined).toEqual({ status: 'joined' });
    channels[0]!.status('CHANNEL_ERROR');
    channels[0]!.status('SUBSCRIBED');
    expect(seen.joined).toBe(2);
  });

  it('hands on valid message-inserts of its conversation only', async () => {
    const { supabase, channels } = fakeSupabase();
    const { h, seen } = handlers();
    const feed = new ConversationFeed(supabase, CHAT, h);
    const joined = feed.join();
    await tick();
    channels[0]!.status('SUBSCRIBED');
    await joined;
    channels[0]!.broadcast({ chat_id: CHAT, message: message(), version: 4 });
    channels[0]!.broadcast({ chat_id: CHAT, message: { text: 'forged' } });
    const other = '00000000-0000-4000-8000-000000000002';
    channels[0]!.broadcast({ chat_id: other, message: message(other) });
    expect(seen.events.map((e) => [e.name, e.name === 'message-insert' && e.payload.chat_id])).toEqual([['message-insert', CHAT]]);
    expect(seen.invalid).toBe(1);
  });

  it('a refused first join is final: the channel is removed, so realtime-js does not retry', async () => {
    const { supabase, channels } = fakeSupabase();
    const feed = new ConversationFeed(supabase, CHAT, handlers().h);
    const joined = feed.join();
    await tick();
    channels[0]!.status('CHANNEL_ERROR', new Error('Unauthorized: You do not have permissions to read from this Channel topic'));
    expect(await joined).toEqual({ status: 'refused', reason: expect.stringMatching(/^Unauthorized/) });
    expect(channels[0]!.removed).toBe(true);
  });

  it('leaving before the join answers ends it as refused', async () => {
    const { supabase } = fakeSupabase();
    const feed = new ConversationFeed(supabase, CHAT, handlers().h);
    const joined = feed.join();
    await tick();
    await feed.leave();
    expect(await joined).toMatchObject({ status: 'refused' });
  });

  it('a channel the server closed is replaced after a backoff, and the new one catches up', async () => {
    const { supabase, channels } = fakeSupabase();
    const { h, seen } = handlers();
    const feed = new ConversationFeed(supabase, CHAT, h, { reconnect: { baseMs: 1, jitter: 0 } });
    const joined = feed.join();
    await tick();
    channels[0]!.status('SUBSCRIBED');
    await joined;
    channels[0]!.status('CLOSED');
    expect(channels[0]!.removed).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(channels).toHaveLength(2);
    channels[1]!.status('SUBSCRIBED');
    expect(seen.joined).toBe(2);
    await feed.leave();
    expect(channels[1]!.removed).toBe(true);
  });
});
