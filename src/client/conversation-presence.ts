// Issue 13, ephemeral half: typing and presence on the members-only topic chat:<chat_id>, and last
// seen. NOTHING here is authoritative. Realtime's policies check only that the sender is a member
// (topic and extension, never the event or payload), so any member can claim any user_id in a
// typing event or as a presence key. Use it for hints in the UI; messages, membership and read
// marks still come only from the functions and the user's own inbox channel.
import type { RealtimeChannel } from '@supabase/supabase-js';
import * as z from 'zod';
import { callRpc, type SupabaseLike } from './api.ts';
import { readReceiptGate, type ReadReceiptGate } from './settings.ts';

/** The conversation's ephemeral topic (private; members only, by the chat:<chat_id> policies). */
export const conversationTopic = (chatId: string) => `chat:${chatId}`;

export const TYPING_EVENT = 'typing';
/** At most one typing announcement per this long: each costs 1 + (members on the topic) Realtime messages. */
export const TYPING_THROTTLE_MS = 3000;
/** A receiver forgets a typer this long after their last announcement (no "stopped typing" event needed). */
export const TYPING_EXPIRY_MS = 5000;

/**
 * "I have read up to N", sent after chat-read stored it. Like typing it is a claim: a receiver uses it
 * only as a cue to re-read the authoritative marks (`chat_participants`). Sent only while the user has
 * read receipts on, and sent and heeded only in conversations of at most READ_RECEIPTS_MAX_MEMBERS
 * (see ReadReceiptGate).
 */
export const READ_EVENT = 'read';

export interface ReadAnnouncement {
  user_id: string;
  message_number: number;
}

/** Lets one announcement through per `intervalMs`. */
export class TypingThrottle {
  private last = -Infinity;

  constructor(
    private readonly intervalMs = TYPING_THROTTLE_MS,
    private readonly now: () => number = Date.now,
  ) {}

  /** True when an announcement may go out now (and counts it). */
  take(): boolean {
    const t = this.now();
    if (t - this.last < this.intervalMs) return false;
    this.last = t;
    return true;
  }

  /** After sending a message the next keystroke announces again at once. */
  reset(): void {
    this.last = -Infinity;
  }
}

/** Who is typing, as heard: each typer expires `expiryMs` after their last announcement. */
export class TypingRoster {
  private readonly heard = new Map<string, number>();

  constructor(
    private readonly expiryMs = TYPING_EXPIRY_MS,
    private readonly now: () => number = Date.now,
  ) {}

  /** Records an announcement; returns whether the set of typers changed. */
  heardFrom(userId: string): boolean {
    const fresh = !this.isTyping(userId);
    this.heard.set(userId, this.now());
    return fresh;
  }

  /** A typer who sent a message has stopped typing. */
  stopped(userId: string): boolean {
    return this.heard.delete(userId);
  }

  isTyping(userId: string): boolean {
    const at = this.heard.get(userId);
    return at !== undefined && this.now() - at < this.expiryMs;
  }

  /** The current typers, sorted; expired entries are dropped. */
  typers(): string[] {
    for (const id of [...this.heard.keys()]) if (!this.isTyping(id)) this.heard.delete(id);
    return [...this.heard.keys()].sort();
  }

  /** Milliseconds until the next typer expires, or null when nobody is typing. */
  nextExpiryIn(): number | null {
    let soonest: number | null = null;
    for (const at of this.heard.values()) {
      const left = Math.max(0, at + this.expiryMs - this.now());
      if (soonest === null || left < soonest) soonest = left;
    }
    return soonest;
  }
}

export interface ConversationPresenceSnapshot {
  /** Other members typing now (as they claim), sorted. */
  typing: string[];
  /** Users with the conversation open now (presence keys, as they claim), sorted; includes oneself once joined. */
  online: string[];
}

export interface ConversationPresenceOptions {
  /** The signed-in user's id: the presence key, and the user_id in typing events. */
  userId: string;
  typingThrottleMs?: number;
  typingExpiryMs?: number;
  now?: () => number;
  /**
   * Whether read announcements go out and come in, per conversation. Default: the InboxStore made with
   * the same supabase client (the user's read-receipt setting, the member bound), asked at each
   * announcement; without one, everything goes through.
   */
  receipts?: ReadReceiptGate;
}

export type PresenceJoinResult = { status: 'joined' } | { status: 'refused'; reason: string };

const TypingPayload = z.object({ user_id: z.string().min(1).max(100) });
const ReadPayload = TypingPayload.extend({ message_number: z.number().int().nonnegative() });

/**
 * Typing and presence for one open conversation. `join()` subscribes to chat:<chat_id> and tracks
 * the user once (hosted allows 5 presence calls per 30 s per channel, so never track per keystroke);
 * `typing()` is throttled; `leave()` untracks and unsubscribes. One instance per conversation per
 * supabase client: supabase.channel() shares a topic's channel.
 *
 * ```ts
 * const room = new ConversationPresence(supabase, chatId, { userId });
 * room.subscribe(() => render(room.getSnapshot()));
 * await room.join();
 * input.oninput = () => room.typing();
 * ```
 */
export class ConversationPresence {
  private channel?: RealtimeChannel;
  private subscribed = false;
  private readonly throttle: TypingThrottle;
  private readonly roster: TypingRoster;
  private readonly listeners = new Set<() => void>();
  private readonly readListeners = new Set<(read: ReadAnnouncement) => void>();
  /** The newest read mark not yet announced (announced once joined). */
  private unannouncedRead: number | null = null;
  private snapshot: ConversationPresenceSnapshot = { typing: [], online: [] };
  private expiryTimer?: ReturnType<typeof setTimeout>;

  constructor(
    private readonly supabase: SupabaseLike,
    readonly chatId: string,
    private readonly options: ConversationPresenceOptions,
  ) {
    this.throttle = new TypingThrottle(options.typingThrottleMs, options.now);
    this.roster = new TypingRoster(options.typingExpiryMs, options.now);
  }

  /** Subscribes and tracks. A non-member is refused (and the channel removed, so it does not retry). */
  async join(): Promise<PresenceJoinResult> {
    if (this.channel) return { status: 'joined' };
    const channel = this.supabase.channel(conversationTopic(this.chatId), {
      config: { private: true, presence: { key: this.options.userId, enabled: true } },
    });
    channel
      .on('presence', { event: 'sync' }, () => this.update())
      .on('broadcast', { event: TYPING_EVENT }, ({ payload }) => this.onTyping(payload))
      .on('broadcast', { event: READ_EVENT }, ({ payload }) => this.onReadEvent(payload));
    this.channel = channel;
    const outcome = await new Promise<PresenceJoinResult>((resolve) => {
      channel.subscribe((status, err) => {
        this.subscribed = status === 'SUBSCRIBED';
        if (status === 'SUBSCRIBED') {
          resolve({ status: 'joined' });
          // Also after realtime-js rejoins (reconnects): the server forgot the track with the old channel.
          void channel.track({ user_id: this.options.userId, online_at: new Date().toISOString() });
          this.flushRead();
        } else if (status === 'CHANNEL_ERROR' || status === 'TIMED_OUT' || status === 'CLOSED') {
          resolve({ status: 'refused', reason: err?.message ?? status });
        }
      });
    });
    if (outcome.status === 'refused') await this.leave();
    return outcome;
  }

  /** Announces typing, at most once per throttle interval; call it on every keystroke. */
  typing(): void {
    // Not joined, realtime-js would fall back to a REST request per announcement.
    if (!this.channel || !this.subscribed || !this.throttle.take()) return;
    void this.channel.send({ type: 'broadcast', event: TYPING_EVENT, payload: { user_id: this.options.userId } });
  }

  /** After sending: the next keystroke announces at once, and the sender stops showing as typing. */
  sent(userId = this.options.userId): void {
    if (userId === this.options.userId) this.throttle.reset();
    else if (this.roster.stopped(userId)) this.update();
  }

  /**
   * Tells the other members this user has read up to `messageNumber` (call it once chat-read answered).
   * Before the join completes it is held and sent on join; only the newest unsent mark is kept. Nothing
   * is sent when the gate says no (read receipts off, or a conversation above the member bound).
   */
  read(messageNumber: number): void {
    this.unannouncedRead = Math.max(this.unannouncedRead ?? 0, messageNumber);
    this.flushRead();
  }

  /** Calls `listener` for each other member's read announcement (a claim: verify before showing it). */
  onRead(listener: (read: ReadAnnouncement) => void): () => void {
    this.readListeners.add(listener);
    return () => this.readListeners.delete(listener);
  }

  /** Bound, so it can be handed to useSyncExternalStore as is. */
  readonly getSnapshot = (): ConversationPresenceSnapshot => this.snapshot;

  /** Bound, like getSnapshot. */
  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  async leave(): Promise<void> {
    clearTimeout(this.expiryTimer);
    const channel = this.channel;
    this.channel = undefined;
    this.subscribed = false;
    if (channel) await this.supabase.removeChannel(channel);
    this.snapshot = { typing: [], online: [] };
    this.emit();
  }

  private get receipts(): ReadReceiptGate {
    return this.options.receipts ?? readReceiptGate(this.supabase);
  }

  private flushRead(): void {
    if (!this.channel || !this.subscribed || this.unannouncedRead === null) return;
    const payload: ReadAnnouncement = { user_id: this.options.userId, message_number: this.unannouncedRead };
    this.unannouncedRead = null;
    if (!this.receipts.announcesReads(this.chatId)) return;
    void this.channel.send({ type: 'broadcast', event: READ_EVENT, payload });
  }

  private onReadEvent(payload: unknown): void {
    const parsed = ReadPayload.safeParse(payload);
    if (!parsed.success || parsed.data.user_id === this.options.userId || !this.receipts.hearsReads(this.chatId)) return;
    for (const listener of this.readListeners) listener(parsed.data);
  }

  private onTyping(payload: unknown): void {
    const parsed = TypingPayload.safeParse(payload);
    if (!parsed.success || parsed.data.user_id === this.options.userId) return;
    this.roster.heardFrom(parsed.data.user_id);
    this.update();
  }

  /** Recomputes the snapshot, and wakes up again when the next typer expires. */
  private update(): void {
    clearTimeout(this.expiryTimer);
    const online = Object.keys(this.channel?.presenceState() ?? {}).sort();
    const typing = this.roster.typers();
    const next = this.roster.nextExpiryIn();
    if (next !== null) this.expiryTimer = setTimeout(() => this.update(), next + 1);
    if (sameList(online, this.snapshot.online) && sameList(typing, this.snapshot.typing)) return;
    this.snapshot = { typing, online };
    this.emit();
  }

  private emit(): void {
    for (const listener of this.listeners) listener();
  }
}

const sameList = (a: string[], b: string[]) => a.length === b.length && a.every((x, i) => x === b[i]);

/**
 * `chat_touch_last_seen`: records that the user is around (call it on focus or every few minutes).
 * The server writes at most once a minute per user, so extra calls are cheap; it answers the stored
 * time. Members see it as `last_seen_at` in fetchMembers.
 */
export function touchLastSeen(supabase: SupabaseLike, signal?: AbortSignal): Promise<string> {
  return callRpc(supabase, 'chat_touch_last_seen', {}, z.string(), signal);
}
