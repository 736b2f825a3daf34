// A large conversation's message topic, chat-messages:<chat_id>: while the user has the conversation
// open, its new messages arrive here once per message, instead of on every member's inbox channel
// (the server switches a conversation to this above CHAT_LARGE_CONVERSATION_MEMBERS). Only the server
// broadcasts on it (no INSERT policy), so unlike chat:<chat_id> what arrives is authoritative; it is
// still validated. Realtime is at-most-once: after every (re)join the owner reads what it missed
// (`onJoined`), and a missed message shows as a gap in numbers.
import type { RealtimeChannel } from '@supabase/supabase-js';
import { EVENT, messageTopic } from 'supabase-realtime-inbox-contract';
import type { SupabaseLike } from './api.ts';
import { Backoff, type BackoffOptions } from './backoff.ts';
import { type InboxEvent, type InvalidEvent, parseInboxEvent } from './events.ts';

export type FeedJoinResult = { status: 'joined' } | { status: 'refused'; reason: string };

export interface ConversationFeedHandlers {
  /** A validated message-insert from the topic. */
  onEvent(event: InboxEvent): void;
  /** After every (re)join: messages sent meanwhile were not heard. */
  onJoined(): void;
  onInvalidEvent?(invalid: InvalidEvent): void;
}

export interface ConversationFeedOptions {
  /** Delays before a fresh channel replaces one the server closed (default 1 s doubling to 30 s, jittered). */
  reconnect?: BackoffOptions;
  /** Consecutive channel errors after which the channel is replaced (default 3), as the inbox channel's. */
  maxChannelErrors?: number;
}

export class ConversationFeed {
  private channel: RealtimeChannel | null = null;
  private closed = false;
  private errors = 0;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  /** The removal of the channel let go of: supabase.channel() hands back a topic's channel until it is gone. */
  private released: Promise<unknown> = Promise.resolve();
  private readonly backoff: Backoff;
  /** Answers the join under way, if any: leave() ends it. */
  private settle: ((result: FeedJoinResult) => void) | undefined;

  constructor(
    private readonly supabase: SupabaseLike,
    readonly chatId: string,
    private readonly handlers: ConversationFeedHandlers,
    private readonly options: ConversationFeedOptions = {},
  ) {
    this.backoff = new Backoff(options.reconnect);
  }

  /**
   * Joins the topic. Refused the first time (not a member), the channel is removed so realtime-js does
   * not retry; once joined, it is kept joined until `leave()`, replaced when the server closes it.
   */
  async join(): Promise<FeedJoinResult> {
    const outcome = await this.open(true);
    if (outcome.status === 'refused') await this.leave();
    return outcome;
  }

  async leave(): Promise<void> {
    this.closed = true;
    this.settle?.({ status: 'refused', reason: 'left before it joined' });
    clearTimeout(this.retryTimer);
    const channel = this.channel;
    this.channel = null;
    if (channel) await (this.released = this.supabase.removeChannel(channel));
  }

  private async open(initial: boolean): Promise<FeedJoinResult> {
    // The inbox channel has usually set the user's token already; a join without it would go as anon.
    await Promise.all([this.released, this.supabase.realtime.setAuth()]);
    if (this.closed) return { status: 'refused', reason: 'left' };
    const channel = this.supabase.channel(messageTopic(this.chatId), { config: { private: true } });
    channel.on('broadcast', { event: EVENT.messageInsert }, ({ payload }) => this.deliver(payload));
    this.channel = channel;
    return new Promise((done) => {
      let first = true;
      const resolve = (result: FeedJoinResult) => {
        this.settle = undefined;
        done(result);
      };
      this.settle = resolve;
      channel.subscribe((status, error) => {
        if (channel !== this.channel) return;
        if (status === 'SUBSCRIBED') {
          this.errors = 0;
          this.backoff.reset();
          if (first) resolve({ status: 'joined' });
          first = false;
          this.handlers.onJoined();
          return;
        }
        if (first) {
          first = false;
          resolve({ status: 'refused', reason: error?.message ?? status });
          // A rejoin refused (a join limit, say) tries again later; the first join's refusal is final.
          if (!initial) this.replace();
          return;
        }
        // CLOSED: the server shut it (a quota, access gone) and realtime-js will not rejoin it. Errors and
        // time-outs: realtime-js rejoins this same channel, a few times before a fresh one is tried.
        if (status === 'CLOSED' || ++this.errors >= (this.options.maxChannelErrors ?? 3)) this.replace();
      });
    });
  }

  private replace(): void {
    const channel = this.channel;
    this.channel = null;
    this.errors = 0;
    if (channel) this.released = this.supabase.removeChannel(channel);
    this.retryTimer = setTimeout(() => {
      if (!this.closed) void this.open(false);
    }, this.backoff.next());
  }

  private deliver(payload: unknown): void {
    const parsed = parseInboxEvent(EVENT.messageInsert, payload);
    if (!parsed.ok) return (this.handlers.onInvalidEvent ?? ((invalid) => console.warn('inbox: invalid event dropped', invalid)))(parsed.invalid);
    if (parsed.event.name === EVENT.messageInsert && parsed.event.payload.chat_id !== this.chatId) return;
    this.handlers.onEvent(parsed.event);
  }
}
