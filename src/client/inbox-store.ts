// The inbox as an external store any UI framework can read (React: useSyncExternalStore(store.subscribe,
// store.getSnapshot)). A thin shell: state transitions live in inbox-state.ts; this class does the I/O
// and feeds the results in. It also owns catch-up, because only the state knows what is already held.
import {
  ConversationResponse,
  JoinResponse,
  SendResponse,
  SendSingleBody,
  type ConversationSummary,
  type CreateBody,
  type Message,
  type UserSettings,
} from 'supabase-realtime-inbox-contract';
import {
  ChatApiError,
  fetchCheckpoint,
  fetchInbox,
  fetchMessages,
  invokeFunction,
  isRetryable,
  MAX_ROWS,
  REQUEST_TIMEOUT_MS,
  withDeadline,
  type ChatFunctionName,
  type SupabaseLike,
} from './api.ts';
import { retryWithBackoff, type RetryOptions } from './backoff.ts';
import * as changes from './changes.ts';
import { UnifiedChannelService, type ChannelStatus } from './channel-service.ts';
import { ConversationFeed, type FeedJoinResult } from './conversation-feed.ts';
import type { InboxEvent } from './events.ts';
import {
  announcesReads,
  changesFrom,
  conversationsBehind,
  conversationsChanged,
  emptyInbox,
  findConversation,
  hearsReads,
  inboxCheckpoint,
  isOptimistic,
  missingAfter,
  newestStored,
  olderPage,
  reduce,
  sameCheckpoint,
  type InboxAction,
  type InboxState,
  type OptimisticMessage,
} from './inbox-state.ts';
import {
  fetchUserSettings,
  registerReadReceiptGate,
  setReadReceipts,
  updateConversationSettings,
  type ConversationSettingsChange,
  type ReadReceiptGate,
} from './settings.ts';
import type { z } from 'zod';

export interface InboxStoreOptions {
  /** The channel to follow. By default the store makes its own, and cleans it up on `stop()`. */
  service?: UnifiedChannelService;
  /** How sends and catch-up reads are retried on network errors, timeouts and 5xx (default 4 tries from 500 ms, at most 8 s apart). */
  retry?: RetryOptions;
  /**
   * How long (ms) one request may go unanswered before it fails as a retryable 'timeout' (default 20 s; 0:
   * never). Sends and reads are then tried again; a send keeps its client_msg_id, so it is stored once.
   */
  requestTimeoutMs?: number;
  /** Messages per `loadMessages` page (default 50). */
  historyPageSize?: number;
  /** Failures of work nobody awaits, such as a catch-up that gave up. Default: console.error. */
  onError?: (error: unknown) => void;
  /**
   * While joined, how often (ms) to compare the inbox with the server's checkpoint and catch up if they
   * differ: the repair for broadcasts Realtime lost while the socket stayed up. Also checked when the
   * window regains focus or the browser comes back online. Default 25 s, so any loss is repaired within
   * 30 s; 0 turns the polling off.
   */
  checkpointIntervalMs?: number;
}

/** What the store did to stay in step with the server, for monitoring. */
export interface InboxStoreStats {
  /** Checkpoints read. */
  checkpoints: number;
  /** Catch-ups run because a checkpoint differed: something had been missed. */
  repairs: number;
  /** Catch-ups run after a (re)join. */
  rejoins: number;
  /** Reads of messages missing in a conversation (a number gap, or a summary ahead of the messages). */
  gapReads: number;
  /** chat_changes reads: a version gap, or a summary newer than the edits and deletes held. */
  changeReads: number;
  /** Reads of what an open conversation's message topic may have missed, after each (re)join. */
  feedReads: number;
}

export type JoinResult = z.output<typeof JoinResponse>;

export class InboxStore implements ReadReceiptGate {
  readonly service: UnifiedChannelService;
  private state: InboxState = emptyInbox;
  /** Whose inbox the state holds. */
  private userId: string | null = null;
  private readonly ownsService: boolean;
  private readonly retryOptions: RetryOptions;
  private readonly requestTimeoutMs: number;
  private readonly historyPageSize: number;
  private readonly checkpointIntervalMs: number;
  private readonly onError: (error: unknown) => void;
  private checkTimer: ReturnType<typeof setTimeout> | undefined;
  /** The catch-up under way, so a checkpoint that differs meanwhile does not start another. */
  private catchingUp: Promise<void> | null = null;
  private catchUpAgain = false;
  readonly stats: InboxStoreStats = { checkpoints: 0, repairs: 0, rejoins: 0, gapReads: 0, changeReads: 0, feedReads: 0 };
  private readonly listeners = new Set<() => void>();
  private readonly inFlight = new Set<Promise<unknown>>();
  /** The catch-up read under way per conversation, so gaps seen meanwhile do not start another. */
  private readonly reading = new Map<string, Promise<void>>();
  /** The chat_changes read under way per conversation, likewise. */
  private readonly changing = new Map<string, Promise<void>>();
  private detach: (() => void)[] = [];
  /** Open conversations' message topics (openConversation). */
  private readonly feeds = new Map<string, ConversationFeed>();
  /** The history page being read per conversation, which a topic's first read waits for. */
  private readonly historyLoads = new Map<string, Promise<unknown>>();
  private started: Promise<void> | null = null;
  /** Aborted on stop() and when the user changes, so answers meant for the old state never land in the new one. */
  private abort = new AbortController();

  constructor(
    private readonly supabase: SupabaseLike,
    options: InboxStoreOptions = {},
  ) {
    this.ownsService = !options.service;
    this.service = options.service ?? new UnifiedChannelService(supabase);
    this.retryOptions = options.retry ?? { attempts: 4, baseMs: 500, maxMs: 8000 };
    this.requestTimeoutMs = options.requestTimeoutMs ?? REQUEST_TIMEOUT_MS;
    this.historyPageSize = options.historyPageSize ?? 50;
    this.checkpointIntervalMs = options.checkpointIntervalMs ?? 25_000;
    this.onError = options.onError ?? ((error) => console.error('inbox:', error));
    // A ConversationPresence made with this client then follows this store's read-receipt rules.
    registerReadReceiptGate(supabase, this);
  }

  // ---- the external store contract; arrow functions so they can be passed around unbound

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  /** The current state. Immutable; a new object only when something changed. */
  getSnapshot = (): InboxState => this.state;

  // ---- lifecycle

  /**
   * Subscribes the signed-in user's channel and resolves once it is joined and the first catch-up is done.
   * From then on every rejoin catches up again. Rejects if nobody is signed in.
   */
  start(): Promise<void> {
    this.started ??= this.run().catch((error: unknown) => {
      this.stop();
      throw error;
    });
    return this.started;
  }

  /** Stops following the channel and cancels requests in flight. The state stays readable. */
  stop(): void {
    clearTimeout(this.checkTimer);
    this.checkTimer = undefined;
    for (const off of this.detach) off();
    this.detach = [];
    this.started = null;
    this.closeFeeds();
    this.cancelRequests();
    if (this.ownsService) this.service.cleanup();
  }

  /** Resolves when no catch-up, send or other request of this store is in flight. */
  async whenIdle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  private async run(): Promise<void> {
    const { signal } = this.abort;
    const { data, error } = await this.supabase.auth.getSession();
    if (signal.aborted) return; // stop() came first
    if (error) throw error;
    if (!data.session) throw new Error('InboxStore.start(): nobody is signed in');
    const userId = data.session.user.id;
    if (userId !== this.userId) this.adopt(userId);
    // Subscribing first puts the service on this user before the store listens, so the status it reports
    // at once ('connecting', or 'subscribed' when already joined) never reads as a change of user.
    const joined = this.service.subscribe(userId);
    this.detach = [
      this.service.on('*', (event) => this.onEvent(event)),
      this.service.onStatus((status) => this.followService(status)),
      watchWindow(() => {
        if (this.service.status === 'subscribed') this.background(this.verify());
      }),
    ];
    await joined;
    await this.whenIdle();
  }

  /**
   * Compares the inbox with the server's checkpoint and, if they differ, catches up. Resolves true when
   * something had been missed. The store does this by itself every `checkpointIntervalMs` while joined.
   */
  async verify(): Promise<boolean> {
    if (this.catchingUp) await this.catchingUp;
    this.stats.checkpoints++;
    const server = await this.request((signal) => fetchCheckpoint(this.supabase, signal));
    const held = this.state;
    if (sameCheckpoint(server, inboxCheckpoint(held)) && conversationsBehind(held).length === 0 && conversationsChanged(held).length === 0) {
      return false;
    }
    // Events may still be on their way; if so this catch-up was not needed, but it changes nothing.
    this.stats.repairs++;
    await this.catchUp();
    return true;
  }

  private followService(status: ChannelStatus): void {
    // Signed out, or someone else signed in on this client: nothing of this inbox may show in theirs.
    if (this.service.userId !== this.userId) this.adopt(this.service.userId);
    clearTimeout(this.checkTimer);
    this.checkTimer = undefined;
    if (status !== 'subscribed') return;
    // Events may have been missed while not joined.
    this.stats.rejoins++;
    this.background(this.catchUp());
    this.scheduleCheck();
  }

  private scheduleCheck(): void {
    if (this.checkpointIntervalMs <= 0) return;
    this.checkTimer = setTimeout(() => {
      this.checkTimer = undefined;
      const { signal } = this.abort;
      void this.verify()
        .catch((error: unknown) => {
          if (!signal.aborted) this.onError(error);
        })
        .finally(() => {
          if (!signal.aborted && this.service.status === 'subscribed' && this.checkTimer === undefined && this.detach.length > 0) {
            this.scheduleCheck();
          }
        });
    }, this.checkpointIntervalMs);
  }

  private adopt(userId: string | null): void {
    this.userId = userId;
    this.closeFeeds();
    this.cancelRequests();
    this.dispatch({ type: 'reset' });
  }

  private onEvent(event: InboxEvent): void {
    this.dispatch({ type: 'event', event });
    if (event.name === 'conversations-read' || event.name === 'user-settings') return;
    const chatId = event.payload.chat_id;
    // A number past the messages held (a message-insert, or a summary: inline, or a large conversation's
    // coalesced update): read what is missing.
    if (event.name === 'message-insert' || event.name === 'conversation-update') this.fillGap(chatId);
    // A version that skipped one, on an edit, a delete or a summary: a change was missed.
    this.followChanges(chatId);
    // Left or removed: its message topic is closed to this user now.
    if (chatId in this.state.left) void this.closeConversation(chatId);
  }

  // ---- open conversations

  /**
   * Opens a conversation the user is looking at: joins its message topic (chat-messages:<chat_id>), where
   * the server sends a large conversation's messages instead of to every member's inbox
   * (CHAT_LARGE_CONVERSATION_MEMBERS); for a small one the topic stays silent (one channel, no
   * messages). After every (re)join the store reads what the topic may have missed: the messages after
   * the newest held, or the newest page when none is held (after a `loadMessages` under way, not twice).
   * Resolves once joined; a non-member is refused (`refused`) and nothing stays open. One open
   * conversation is the usual case; each costs one channel of the socket's 100.
   */
  async openConversation(chatId: string): Promise<FeedJoinResult> {
    if (this.feeds.has(chatId)) return { status: 'joined' };
    const feed = new ConversationFeed(this.supabase, chatId, {
      onEvent: (event) => this.onEvent(event),
      onJoined: () => this.background(this.readNewer(chatId)),
    });
    this.feeds.set(chatId, feed);
    const joined = await feed.join();
    if (joined.status === 'refused' && this.feeds.get(chatId) === feed) this.feeds.delete(chatId);
    return joined;
  }

  /** The user no longer looks at the conversation: leaves its message topic. The inbox keeps following it. */
  async closeConversation(chatId: string): Promise<void> {
    const feed = this.feeds.get(chatId);
    if (!feed) return;
    this.feeds.delete(chatId);
    await feed.leave();
  }

  /** The conversations open now (openConversation). */
  get openConversations(): string[] {
    return [...this.feeds.keys()];
  }

  private closeFeeds(): void {
    for (const chatId of [...this.feeds.keys()]) void this.closeConversation(chatId);
  }

  /** Everything after the newest message held: what a message topic missed before it (re)joined. */
  private async readNewer(chatId: string): Promise<void> {
    this.stats.feedReads++;
    await this.historyLoads.get(chatId)?.catch(() => {});
    if (newestStored(this.state, chatId) === 0) {
      await this.loadMessages(chatId);
      return;
    }
    for (;;) {
      const after = newestStored(this.state, chatId);
      const page = await this.withRetry((signal) => fetchMessages(this.supabase, chatId, after, MAX_ROWS, signal));
      this.dispatch({ type: 'messages-received', chatId, messages: page });
      if (page.length < MAX_ROWS || newestStored(this.state, chatId) <= after) break;
    }
    this.fillGap(chatId);
  }

  // ---- writes

  /**
   * Sends a message. It shows at once as 'pending', and becomes the stored message when the answer or its
   * event arrives, whichever comes first. Network errors and 5xx are retried with the same client_msg_id
   * (the server stores it once). After the last try, or at once on a 4xx, it is marked 'failed' and the
   * promise rejects with the ChatApiError. Invalid input (empty text…) rejects before anything is shown.
   */
  async send(chatId: string, text: string): Promise<Message> {
    const clientMsgId = crypto.randomUUID();
    SendSingleBody.parse({ chat_id: chatId, text, client_msg_id: clientMsgId });
    const message: OptimisticMessage = {
      id: clientMsgId,
      chat_id: chatId,
      message_number: null,
      user_id: this.userId,
      user_name: null,
      role: 'user',
      text,
      client_msg_id: clientMsgId,
      status: 'pending',
      error: null,
      meta: {},
      created_at: new Date().toISOString(),
    };
    this.dispatch({ type: 'send-started', message });
    return await this.track(this.deliver(chatId, text, clientMsgId));
  }

  /** Sends a 'failed' message again, with its original client_msg_id. */
  retry(chatId: string, clientMsgId: string): Promise<Message> {
    const failed = this.state.messages[chatId]?.find(
      (m): m is OptimisticMessage => isOptimistic(m) && m.client_msg_id === clientMsgId && m.status === 'failed',
    );
    if (!failed) return Promise.reject(new Error(`no failed message ${clientMsgId} in conversation ${chatId}`));
    this.dispatch({ type: 'send-retried', chatId, clientMsgId });
    return this.track(this.deliver(chatId, failed.text, clientMsgId));
  }

  /** Marks a conversation read up to its newest known message: unread 0 at once, then `chat-read`. */
  async markRead(chatId: string): Promise<ConversationSummary> {
    const upTo = findConversation(this.state, chatId)?.last_message_number;
    if (upTo !== undefined) this.dispatch({ type: 'read-marked', chatId, upTo });
    try {
      const { conversation } = await this.call('chat-read', { chat_id: chatId, up_to_number: upTo }, ConversationResponse);
      return this.receiveConversation(conversation);
    } finally {
      // Answered or failed, the server's read mark is the truth from here on.
      if (upTo !== undefined) this.dispatch({ type: 'read-settled', chatId, upTo });
    }
  }

  /** Joins a public conversation (the shared-link flow). */
  async join(chatId: string): Promise<JoinResult> {
    const answer = await this.call('chat-join', { chat_id: chatId }, JoinResponse);
    this.receiveConversation(answer.conversation);
    return answer;
  }

  async create(input: CreateBody): Promise<ConversationSummary> {
    const { conversation } = await this.call('chat-create', input, ConversationResponse);
    return this.receiveConversation(conversation);
  }

  /** Edits a message of the user's (chat-edit); the held copy and the summary take the answer. */
  async editMessage(chatId: string, messageId: string, text: string): Promise<Message> {
    const answer = await this.request((signal) => changes.editMessage(this.supabase, { chat_id: chatId, message_id: messageId, text }, signal));
    this.dispatch({ type: 'message-changed', chatId, message: answer.message, version: answer.version });
    this.followChanges(chatId);
    return answer.message;
  }

  /** Deletes a message (chat-delete): the author's, or any as the owner. It stays held as a tombstone. */
  async deleteMessage(chatId: string, messageId: string): Promise<Message> {
    const answer = await this.request((signal) => changes.deleteMessage(this.supabase, { chat_id: chatId, message_id: messageId }, signal));
    this.dispatch({ type: 'message-changed', chatId, message: answer.message, version: answer.version });
    this.followChanges(chatId);
    return answer.message;
  }

  /** Leaves a conversation (chat-leave): it and its messages are dropped here at once. */
  async leave(chatId: string): Promise<void> {
    await this.request((signal) => changes.leaveConversation(this.supabase, { chat_id: chatId }, signal));
    this.dispatch({ type: 'conversation-left', chatId });
  }

  /** Removes another member (chat-leave {user_id}), as the owner; the summary follows from its participant-left event. */
  async removeMember(chatId: string, userId: string): Promise<void> {
    const answer = await this.request((signal) => changes.leaveConversation(this.supabase, { chat_id: chatId, user_id: userId }, signal));
    if (answer.reason === 'left') this.dispatch({ type: 'conversation-left', chatId });
  }

  /**
   * Marks every conversation read (chat-read {all: true}), in one request. As markRead: unread 0 at
   * once, then the server's read marks, and those it did not confirm come back if the request fails.
   */
  async markAllRead(): Promise<void> {
    const marked = this.state.conversations.filter((c) => c.unread_count > 0).map((c) => ({ chatId: c.id, upTo: c.last_message_number }));
    for (const read of marked) this.dispatch({ type: 'read-marked', ...read });
    try {
      const { conversations } = await this.request((signal) => changes.markAllRead(this.supabase, signal));
      this.dispatch({ type: 'reads-received', reads: conversations });
    } finally {
      for (const read of marked) this.dispatch({ type: 'read-settled', ...read });
    }
  }

  // ---- settings: the user's own, synced to their other tabs and devices by the server's event

  /**
   * Changes the user's settings of a conversation (chat-settings): any of `muted`, `archived`, `pinned`.
   * The snapshot follows the answer (a pinned conversation moves to the top, an archived one to
   * `archived`, a muted one leaves the unread total); not optimistic.
   */
  async updateSettings(chatId: string, change: ConversationSettingsChange): Promise<ConversationSummary> {
    const { conversation } = await this.request((signal) => updateConversationSettings(this.supabase, chatId, change, signal));
    return this.receiveConversation(conversation);
  }

  /** Mutes or unmutes a conversation: a muted one's unread messages leave the unread total. */
  setMuted(chatId: string, muted: boolean): Promise<ConversationSummary> {
    return this.updateSettings(chatId, { muted });
  }

  /** Archives a conversation up to its latest message, or brings it back; a newer message brings it back by itself. */
  setArchived(chatId: string, archived: boolean): Promise<ConversationSummary> {
    return this.updateSettings(chatId, { archived });
  }

  /** Pins a conversation (listed before every unpinned one) or unpins it. */
  setPinned(chatId: string, pinned: boolean): Promise<ConversationSummary> {
    return this.updateSettings(chatId, { pinned });
  }

  /**
   * Turns the user's read receipts on or off (chat-settings {read_receipts}). Off, nobody else can see
   * how far the user has read, and this client announces no reads.
   */
  async setReadReceipts(enabled: boolean): Promise<UserSettings> {
    const settings = await this.request((signal) => setReadReceipts(this.supabase, enabled, signal));
    this.dispatch({ type: 'user-settings-received', settings });
    return settings;
  }

  /** Whether this client announces its reads in a conversation (ReadReceiptGate; see `announcesReads` in the state). */
  announcesReads(chatId: string): boolean {
    return announcesReads(this.state, chatId);
  }

  /** Whether other members' read announcements in a conversation are heeded (not above the member bound). */
  hearsReads(chatId: string): boolean {
    return hearsReads(this.state, chatId);
  }

  // ---- reads

  /**
   * Loads older history of a known conversation: the `historyPageSize` messages before the oldest one held,
   * or the newest ones when none is held. Resolves true while older messages remain.
   */
  async loadMessages(chatId: string): Promise<boolean> {
    const page = olderPage(this.state, chatId, this.historyPageSize);
    if (!page) return false;
    const version = this.state.summaries[chatId]?.version;
    const loading = this.track(this.withRetry((signal) => fetchMessages(this.supabase, chatId, page.after, page.limit, signal)));
    this.historyLoads.set(chatId, loading);
    try {
      this.receive(chatId, await loading, version);
    } finally {
      if (this.historyLoads.get(chatId) === loading) this.historyLoads.delete(chatId);
    }
    return page.after > 0;
  }

  /** After every (re)join: refresh the summaries, then read what the loaded conversations missed meanwhile. */
  /** One catch-up at a time; asked for while one runs (it may have read too early), it runs once more after. */
  private catchUp(): Promise<void> {
    if (this.catchingUp) {
      this.catchUpAgain = true;
      return this.catchingUp;
    }
    const run = async () => {
      do {
        this.catchUpAgain = false;
        await this.readInbox();
      } while (this.catchUpAgain);
    };
    const current = this.track(run()).finally(() => {
      if (this.catchingUp === current) this.catchingUp = null;
    });
    this.catchingUp = current;
    return current;
  }

  private async readInbox(): Promise<void> {
    const heldBefore = this.state.summaries;
    const [inbox, settings] = await Promise.all([
      this.withRetry((signal) => fetchInbox(this.supabase, signal)),
      this.withRetry((signal) => fetchUserSettings(this.supabase, signal)).catch(orDefaultSettings),
    ]);
    this.dispatch({ type: 'user-settings-received', settings });
    this.dispatch({ type: 'inbox-received', conversations: inbox, heldBefore });
    await Promise.all([
      ...conversationsBehind(this.state).map((chatId) => this.readMissing(chatId)),
      ...conversationsChanged(this.state).map((chatId) => this.readChanges(chatId)),
    ]);
  }

  /** Held messages behind their conversation's version may miss edits or deletes: read chat_changes. */
  private followChanges(chatId: string): void {
    if (changesFrom(this.state, chatId)) this.background(this.readChanges(chatId));
  }

  private readChanges(chatId: string): Promise<void> {
    let reading = this.changing.get(chatId);
    if (!reading) {
      this.stats.changeReads++;
      const current = this.track(this.readChangePages(chatId)).finally(() => {
        if (this.changing.get(chatId) === current) this.changing.delete(chatId);
      });
      this.changing.set(chatId, (reading = current));
    }
    return reading;
  }

  private async readChangePages(chatId: string): Promise<void> {
    for (let from = changesFrom(this.state, chatId); from !== null; ) {
      const { afterNumber, afterVersion } = from;
      const answer = await this.withRetry((signal) =>
        changes.fetchChanges(this.supabase, chatId, afterNumber, afterVersion, MAX_ROWS, signal),
      );
      this.dispatch({ type: 'changes-received', changes: answer });
      const next = changesFrom(this.state, chatId);
      // Nothing moved: the server has nothing more to give. Do not spin; the next checkpoint asks again.
      if (next && next.afterNumber === afterNumber && next.afterVersion === afterVersion) return;
      from = next;
    }
  }

  /** A hole in a conversation's numbers means an event went missing: read what is missing. */
  private fillGap(chatId: string): void {
    if (missingAfter(this.state, chatId) !== null) this.background(this.readMissing(chatId));
  }

  private readMissing(chatId: string): Promise<void> {
    let reading = this.reading.get(chatId);
    if (!reading) {
      this.stats.gapReads++;
      const current = this.track(this.readPages(chatId)).finally(() => {
        if (this.reading.get(chatId) === current) this.reading.delete(chatId);
      });
      this.reading.set(chatId, (reading = current));
    }
    return reading;
  }

  private async readPages(chatId: string): Promise<void> {
    for (let after = missingAfter(this.state, chatId); after !== null; ) {
      const from = after;
      const page = await this.withRetry((signal) => fetchMessages(this.supabase, chatId, from, MAX_ROWS, signal));
      this.dispatch({ type: 'messages-received', chatId, messages: page });
      after = missingAfter(this.state, chatId);
      if (after !== null && after <= from) return; // the server has nothing to fill the hole with: do not spin
    }
  }

  // ---- plumbing

  private async deliver(chatId: string, text: string, clientMsgId: string): Promise<Message> {
    try {
      const { messages } = await this.withRetry((signal) =>
        invokeFunction(this.supabase, 'chat-send', { chat_id: chatId, text, client_msg_id: clientMsgId }, SendResponse, signal),
      );
      const stored = messages.find((m) => m.client_msg_id === clientMsgId);
      if (!stored) throw new ChatApiError('chat-send answered without the message', 200, 'invalid_response');
      this.receive(chatId, messages);
      return stored;
    } catch (error) {
      this.dispatch({ type: 'send-failed', chatId, clientMsgId, error: error instanceof Error ? error.message : String(error) });
      throw error;
    }
  }

  private call<S extends z.ZodType>(name: ChatFunctionName, body: object, schema: S): Promise<z.output<S>> {
    return this.request((signal) => invokeFunction(this.supabase, name, body, schema, signal));
  }

  private receive(chatId: string, messages: readonly Message[], version?: number): void {
    this.dispatch({ type: 'messages-received', chatId, messages, version });
    this.fillGap(chatId);
  }

  private receiveConversation(conversation: ConversationSummary): ConversationSummary {
    this.dispatch({ type: 'conversations-received', conversations: [conversation] });
    return conversation;
  }

  /** One request, tracked, under the store's abort and the request deadline. */
  private request<T>(task: (signal: AbortSignal) => Promise<T>): Promise<T> {
    return this.track(withDeadline(task, this.requestTimeoutMs, this.abort.signal));
  }

  /** A request tried again on network errors, timeouts and 5xx; each try has its own deadline. */
  private withRetry<T>(task: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const { signal } = this.abort;
    return retryWithBackoff(() => withDeadline(task, this.requestTimeoutMs, signal), { ...this.retryOptions, isRetryable, signal });
  }

  private dispatch(action: InboxAction): void {
    const next = reduce(this.state, action);
    if (next === this.state) return;
    this.state = next;
    for (const listener of this.listeners) listener();
  }

  private track<T>(work: Promise<T>): Promise<T> {
    this.inFlight.add(work);
    const done = () => this.inFlight.delete(work);
    work.then(done, done);
    return work;
  }

  /** Work nobody awaits: tracked for whenIdle(), its failure reported unless the store cancelled it. */
  private background(work: Promise<unknown>): void {
    const { signal } = this.abort;
    this.track(work).catch((error: unknown) => {
      if (!signal.aborted) this.onError(error);
    });
  }

  private cancelRequests(): void {
    this.abort.abort();
    this.abort = new AbortController();
    this.reading.clear();
    this.changing.clear();
    this.catchingUp = null;
  }
}

/** A server older than settings has no chat_user_settings (PostgREST PGRST202): read receipts are on there. */
function orDefaultSettings(error: unknown): UserSettings {
  if (error instanceof ChatApiError && error.code === 'PGRST202') return { read_receipts: true, version: 0 };
  throw error;
}

/** Calls `check` when a browser window regains focus, is shown, or comes back online. A no-op elsewhere. */
function watchWindow(check: () => void): () => void {
  if (typeof window === 'undefined' || typeof document === 'undefined') return () => {};
  const onVisible = () => {
    if (document.visibilityState === 'visible') check();
  };
  window.addEventListener('focus', check);
  window.addEventListener('online', check);
  document.addEventListener('visibilitychange', onVisible);
  return () => {
    window.removeEventListener('focus', check);
    window.removeEventListener('online', check);
    document.removeEventListener('visibilitychange', onVisible);
  };
}
