// One private Realtime channel per signed-in user, `user-realtime:<userId>`, carrying every event of
// every conversation they are in. This class keeps that channel alive: it follows the session, replaces
// the channel when realtime-js gives up on it, and hands validated events to its listeners. What to do
// after a (re)subscribe, such as catching up, belongs to whoever holds state: see `onStatus`.
import { REALTIME_SUBSCRIBE_STATES, type RealtimeChannel } from '@supabase/supabase-js';
import { CHANGE_EVENT, EVENT, inboxTopic } from 'supabase-realtime-inbox-contract';
import type { SupabaseLike } from './api.ts';
import { Backoff, type BackoffOptions } from './backoff.ts';
import { parseInboxEvent, type InboxEvent, type InboxEventMap, type InboxEventName, type InvalidEvent } from './events.ts';
import { watchPageVisibility } from './visibility.ts';

/**
 * - `idle`: no user (never subscribed, signed out, or cleaned up)
 * - `connecting`: joining for the first time for this user
 * - `subscribed`: joined; events flow
 * - `reconnecting`: the channel failed or closed; realtime-js or this service is rejoining
 * - `paused`: left on purpose while the page is hidden
 */
export type ChannelStatus = 'idle' | 'connecting' | 'subscribed' | 'reconnecting' | 'paused';

export type StatusListener = (status: ChannelStatus, error?: Error) => void;

export interface UnifiedChannelServiceOptions {
  /** Delays before a fresh channel replaces one realtime-js gave up on (default 1 s doubling to 30 s, jittered). */
  reconnect?: BackoffOptions;
  /**
   * Consecutive CHANNEL_ERROR / TIMED_OUT reports after which the channel is replaced by a new one (default 3).
   * Until then realtime-js rejoins the same channel by itself (1, 2, 5, then every 10 s).
   */
  maxChannelErrors?: number;
  /** Leave the channel once the page has been hidden this long (ms); rejoin, and so catch up, when it is shown
   * or focused. Off unless set; browsers only. */
  pauseWhenHiddenMs?: number;
  /** An event whose payload fails the wire schemas. It is dropped, never thrown into the app. Default: console.warn. */
  onInvalidEvent?: (invalid: InvalidEvent) => void;
}

export class UnifiedChannelService {
  #status: ChannelStatus = 'idle';
  #userId: string | null = null;
  private channel: RealtimeChannel | null = null;
  /** The removal of the last channel let go of: a new channel for the same topic waits for it, because
   * supabase.channel() hands back an existing channel of that topic instead of making a new one. */
  private released: Promise<unknown> = Promise.resolve();
  /** Bumped whenever the channel is let go of, so a join started before that gives up. */
  private generation = 0;
  private channelErrors = 0;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly backoff: Backoff;
  private readonly maxChannelErrors: number;
  private readonly onInvalidEvent: (invalid: InvalidEvent) => void;
  private readonly eventListeners = new Set<(event: InboxEvent) => void>();
  private readonly statusListeners = new Set<StatusListener>();
  private authSubscription: { unsubscribe(): void } | null = null;
  private stopWatchingPage: (() => void) | null = null;

  constructor(
    private readonly supabase: SupabaseLike,
    private readonly options: UnifiedChannelServiceOptions = {},
  ) {
    this.backoff = new Backoff(options.reconnect);
    this.maxChannelErrors = options.maxChannelErrors ?? 3;
    this.onInvalidEvent = options.onInvalidEvent ?? ((invalid) => console.warn('inbox: invalid event dropped', invalid));
  }

  get status(): ChannelStatus {
    return this.#status;
  }

  /** The user whose channel this is, or null. */
  get userId(): string | null {
    return this.#userId;
  }

  /**
   * Opens `user-realtime:<userId>` and resolves once it is joined. Calling it again for the same user opens
   * nothing new; for another user, the previous channel is closed first. Rejects if the user changes or
   * `cleanup()` runs before the join succeeds. While the server refuses the join it stays pending (watch
   * `onStatus` for the errors).
   */
  subscribe(userId: string): Promise<void> {
    if (userId !== this.#userId) {
      this.close(); // through idle, so whoever awaited the previous user's join hears it will not happen
      this.#userId = userId;
      this.followAuth();
      this.watchPage();
      this.setStatus('connecting');
      void this.join();
    }
    return this.untilSubscribed(userId);
  }

  /** Listens to one event, or to all of them with '*'. Listeners outlive channel replacements. Returns an unsubscribe. */
  on<K extends InboxEventName>(event: K, listener: (payload: InboxEventMap[K]) => void): () => void;
  on(event: '*', listener: (event: InboxEvent) => void): () => void;
  on(event: InboxEventName | '*', listener: (payload: never) => void): () => void {
    const call = listener as (value: unknown) => void;
    const wrapped = (e: InboxEvent) => {
      if (event === '*') call(e);
      else if (e.name === event) call(e.payload);
    };
    this.eventListeners.add(wrapped);
    return () => this.eventListeners.delete(wrapped);
  }

  /**
   * Calls `listener` at once with the current status, then on every change, with the error that caused
   * it if any. Every change to `subscribed` is a (re)join after which events may have been missed: the
   * moment to catch up. Returns an unsubscribe.
   */
  onStatus(listener: StatusListener): () => void {
    this.statusListeners.add(listener);
    listener(this.#status);
    return () => this.statusListeners.delete(listener);
  }

  /** Leaves the channel and forgets the user and every listener, auth and page watchers included. */
  cleanup(): void {
    this.close();
    this.authSubscription?.unsubscribe();
    this.authSubscription = null;
    this.stopWatchingPage?.();
    this.stopWatchingPage = null;
    this.eventListeners.clear();
    this.statusListeners.clear();
  }

  // ---- channel lifecycle

  private async join(): Promise<void> {
    const generation = this.generation;
    // A stored session may not have reached realtime yet; a join sent before it would carry no user token
    // and never be re-sent with one (see docs/realtime-protocol.md). setAuth() fetches the session and waits for it.
    await Promise.all([this.released, this.supabase.realtime.setAuth()]);
    if (generation !== this.generation || this.#userId === null) return;

    const topic = inboxTopic(this.#userId);
    if (this.supabase.getChannels().some((c) => c.topic === `realtime:${topic}`)) {
      // supabase.channel() would hand back that channel, and two owners of one channel tangle each other.
      return this.close(new Error(`${topic} is already open on this supabase client: share one UnifiedChannelService`));
    }
    const channel = this.supabase.channel(topic, { config: { private: true } });
    for (const name of [...Object.values(EVENT), ...Object.values(CHANGE_EVENT)]) {
      channel.on('broadcast', { event: name }, (message) => this.deliver(name, message.payload));
    }
    this.channel = channel;
    this.channelErrors = 0;
    channel.subscribe((state, error) => this.onChannelState(channel, state, error));
  }

  private onChannelState(channel: RealtimeChannel, state: REALTIME_SUBSCRIBE_STATES, error?: Error): void {
    if (channel !== this.channel) return; // one we already let go of
    switch (state) {
      case REALTIME_SUBSCRIBE_STATES.SUBSCRIBED:
        this.channelErrors = 0;
        this.backoff.reset();
        this.setStatus('subscribed');
        return;
      case REALTIME_SUBSCRIBE_STATES.CLOSED:
        // The server closed it (phx_close): realtime-js has dropped it and will never rejoin it.
        this.channel = null;
        this.replaceChannel(error);
        return;
      default:
        // CHANNEL_ERROR or TIMED_OUT: realtime-js rejoins on its own, but only ever this same channel.
        this.setStatus('reconnecting', error);
        if (++this.channelErrors >= this.maxChannelErrors) {
          this.letGo();
          this.replaceChannel(error);
        }
    }
  }

  private replaceChannel(error?: Error): void {
    this.setStatus('reconnecting', error);
    this.retryTimer = setTimeout(() => void this.join(), this.backoff.next());
  }

  /** Drops the current channel, if any, and cancels any join on its way. */
  private letGo(): void {
    this.generation += 1;
    clearTimeout(this.retryTimer);
    const channel = this.channel;
    // Cleared first: removeChannel reports CLOSED synchronously, which must not read as the server closing it.
    this.channel = null;
    if (channel) this.released = this.supabase.removeChannel(channel);
  }

  private deliver(name: InboxEventName, payload: unknown): void {
    const parsed = parseInboxEvent(name, payload);
    if (!parsed.ok) return this.onInvalidEvent(parsed.invalid);
    for (const listener of this.eventListeners) {
      try {
        listener(parsed.event);
      } catch (error) {
        // One faulty listener must not starve the others, nor break realtime-js's dispatch loop.
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  }

  private setStatus(status: ChannelStatus, error?: Error): void {
    if (status === this.#status) return;
    this.#status = status;
    for (const listener of this.statusListeners) listener(status, error);
  }

  private untilSubscribed(userId: string): Promise<void> {
    if (this.#status === 'subscribed' && this.#userId === userId) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const listener: StatusListener = (status, error) => {
        if (this.#userId !== userId) reject(error ?? new Error(`the inbox channel of ${userId} was closed before it joined`));
        else if (status === 'subscribed') resolve();
        else return;
        this.statusListeners.delete(listener);
      };
      this.statusListeners.add(listener);
    });
  }

  // ---- following the session and the page

  private followAuth(): void {
    this.authSubscription ??= this.supabase.auth.onAuthStateChange((event, session) => {
      if (event === 'SIGNED_OUT') this.close();
      else if (event === 'TOKEN_REFRESHED' && session) void this.supabase.realtime.setAuth(session.access_token);
      else if (event === 'SIGNED_IN' && session && session.user.id !== this.#userId) {
        // Not awaited: auth events run under the auth lock, and subscribing reads the session.
        this.subscribe(session.user.id).catch(() => {});
      }
    }).data.subscription;
  }

  /** Leaves the channel and forgets the user; listeners stay, so a later sign-in is followed. */
  private close(error?: Error): void {
    this.letGo();
    this.#userId = null;
    this.setStatus('idle', error);
  }

  private watchPage(): void {
    const hiddenMs = this.options.pauseWhenHiddenMs;
    if (hiddenMs === undefined || this.stopWatchingPage) return;
    this.stopWatchingPage = watchPageVisibility(hiddenMs, () => this.pause(), () => this.resume());
  }

  private pause(): void {
    if (this.#userId === null || this.#status === 'paused') return;
    this.letGo();
    this.setStatus('paused');
  }

  private resume(): void {
    if (this.#status !== 'paused') return;
    this.setStatus('connecting');
    void this.join();
  }
}
