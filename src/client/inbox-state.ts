// The inbox as plain data, and every change to it as a pure function (state, action) → state.
// No I/O and no clock: InboxStore feeds it what the server said and what the user did. Every
// transition is idempotent and order-tolerant, because broadcasts can arrive twice, late, or not at
// all, and the same message can come back from a send response, an event and a catch-up read.
// A transition that changes nothing returns the very same state object, so snapshots keep their
// identity (what React's useSyncExternalStore relies on).
//
// Versions come from server state only, never from clocks: a conversation's `version` (bumped by
// every change of its row) and the recipient's read mark (which only moves forward). Summaries are
// merged on both, so any newer server state wins whatever order summaries arrive in, and what the
// client derives locally (a newer message, a read not yet confirmed) sits on top of the server's
// summary instead of replacing it. The user's own settings of a conversation (mute, pin, archive)
// are versioned apart, by `settings_version`: they never move the conversation's version.
import {
  READ_RECEIPTS_MAX_MEMBERS,
  type Changes,
  type ConversationSummary,
  type InboxCheckpoint,
  type Message,
  type UserSettings,
} from 'supabase-realtime-inbox-contract';
import { applyChanges, changeGap } from './changes.ts';
import type { InboxEvent } from './events.ts';

/** A message the user sent that the server has not stored yet, or refused. */
export interface OptimisticMessage extends Omit<Message, 'id' | 'message_number' | 'client_msg_id' | 'status'> {
  /** Its client_msg_id, until the stored message takes its place. */
  id: string;
  message_number: null;
  client_msg_id: string;
  status: 'pending' | 'failed';
  /** Why it failed, once it has. */
  error: string | null;
}

export type ChatMessage = Message | OptimisticMessage;

export interface InboxState {
  /**
   * Every conversation, as `chat_inbox` orders them: pinned ones first, then most recent activity
   * (`updated_at` descending), then `id`. Archived ones included (`archived: true`).
   */
  readonly conversations: readonly ConversationSummary[];
  /** The conversations that are not archived, in the same order: what an inbox list shows. */
  readonly active: readonly ConversationSummary[];
  /** The archived conversations, in the same order. One comes back to `active` when a new message arrives. */
  readonly archived: readonly ConversationSummary[];
  /** Per conversation: stored messages by `message_number`, then the user's unconfirmed ones in send order. */
  readonly messages: Readonly<Record<string, readonly ChatMessage[]>>;
  /** Sum of the unread counts of the active conversations that are not muted. */
  readonly unreadTotal: number;
  /** The user's own settings for every conversation (read receipts); null until read from the server. */
  readonly userSettings: UserSettings | null;
  /** Per conversation, the newest server state received (merged), before local additions. */
  readonly summaries: Readonly<Record<string, ConversationSummary>>;
  /** Read marks set here that the server has not confirmed yet. */
  readonly pendingReads: Readonly<Record<string, number>>;
  /**
   * Per conversation with messages held: the conversation version up to which every edit and delete
   * of them is applied. Summaries alone cannot say this: a chat_inbox read brings a newer version
   * without the edits, which only chat_changes after this version brings.
   */
  readonly synced: Readonly<Record<string, number>>;
  /**
   * Conversations dropped (left, removed, gone from chat_inbox). Live events about them may still be on
   * their way and must not bring them back; only a server read listing them again (a join's answer,
   * chat_inbox) or an INSERT event (added again) does.
   */
  readonly left: Readonly<Record<string, true>>;
}

export type InboxAction =
  | { type: 'reset' }
  | { type: 'event'; event: InboxEvent }
  /** Summaries from chat_inbox or a function's answer, merged with what is held. */
  | { type: 'conversations-received'; conversations: readonly ConversationSummary[] }
  /**
   * The whole inbox from chat_inbox. Also drops held conversations it lacks (left, removed), unless their
   * summary changed after `heldBefore` (the state's `summaries` when the read started): those are newer than the read.
   */
  | { type: 'inbox-received'; conversations: readonly ConversationSummary[]; heldBefore: InboxState['summaries'] }
  /**
   * Stored messages from any source: a send answer, an event, a catch-up or history read. `version`:
   * the summary's version when the read started (the messages are at least that new); default, the one held now.
   */
  | { type: 'messages-received'; chatId: string; messages: readonly Message[]; version?: number }
  /** A chat_changes answer: new and changed messages, the summary, and the version it brings them up to. */
  | { type: 'changes-received'; changes: Changes }
  /** chat-edit or chat-delete answered: the message in its new state, at the conversation's `version`. */
  | { type: 'message-changed'; chatId: string; message: Message; version: number }
  /** The user's settings from chat_user_settings or chat-settings' answer (the event comes as 'event'). */
  | { type: 'user-settings-received'; settings: UserSettings }
  /** Read marks from chat-read {all} or its conversations-read event. */
  | { type: 'reads-received'; reads: readonly { chat_id: string; last_read_message_number: number }[] }
  /** The user left the conversation (chat-leave answered). */
  | { type: 'conversation-left'; chatId: string }
  | { type: 'send-started'; message: OptimisticMessage }
  | { type: 'send-failed'; chatId: string; clientMsgId: string; error: string }
  | { type: 'send-retried'; chatId: string; clientMsgId: string }
  /** The user read the conversation (up to `upTo`, default its newest known message), before the server confirms. */
  | { type: 'read-marked'; chatId: string; upTo?: number }
  /** The chat-read for `upTo` answered or failed: from now on the server's read mark counts. */
  | { type: 'read-settled'; chatId: string; upTo: number };

export const emptyInbox: InboxState = Object.freeze({
  conversations: [],
  active: [],
  archived: [],
  messages: {},
  unreadTotal: 0,
  userSettings: null,
  summaries: {},
  pendingReads: {},
  synced: {},
  left: {},
});

export const isOptimistic = (message: ChatMessage): message is OptimisticMessage => message.message_number === null;

export function reduce(state: InboxState, action: InboxAction): InboxState {
  switch (action.type) {
    case 'reset':
      return emptyInbox;
    case 'event':
      return applyEvent(state, action.event);
    case 'conversations-received':
      return receiveSummaries(readmit(state, action.conversations), action.conversations);
    case 'inbox-received':
      return receiveInbox(readmit(state, action.conversations), action.conversations, action.heldBefore);
    case 'messages-received':
      return receiveMessages(state, action.chatId, action.messages, action.version);
    case 'changes-received':
      return receiveChanges(state, action.changes);
    case 'message-changed':
      return changeMessage(state, action.chatId, action.message, action.version);
    case 'reads-received':
      return receiveReads(state, action.reads);
    case 'user-settings-received':
      return receiveUserSettings(state, action.settings);
    case 'conversation-left':
      return removeConversations(state, [action.chatId]);
    case 'send-started': {
      const { chat_id, client_msg_id } = action.message;
      const held = state.messages[chat_id] ?? [];
      if (held.some((m) => m.client_msg_id === client_msg_id)) return state;
      return withMessages(state, chat_id, [...held, action.message]);
    }
    case 'send-failed':
      return updateOptimistic(state, action.chatId, action.clientMsgId, (m) => ({ ...m, status: 'failed', error: action.error }));
    case 'send-retried':
      return updateOptimistic(state, action.chatId, action.clientMsgId, (m) => ({ ...m, status: 'pending', error: null }));
    case 'read-marked': {
      const shown = findConversation(state, action.chatId);
      if (!shown) return state;
      const upTo = action.upTo ?? shown.last_message_number;
      if ((state.pendingReads[action.chatId] ?? -1) >= upTo || readMark(state.summaries[action.chatId]!) >= upTo) return state;
      return refresh({ ...state, pendingReads: { ...state.pendingReads, [action.chatId]: upTo } }, [action.chatId]);
    }
    case 'read-settled': {
      if (state.pendingReads[action.chatId] !== action.upTo) return state;
      const { [action.chatId]: _settled, ...pendingReads } = state.pendingReads;
      return refresh({ ...state, pendingReads }, [action.chatId]);
    }
  }
}

function applyEvent(state: InboxState, event: InboxEvent): InboxState {
  const chatId =
    event.name === 'conversations-read' || event.name === 'user-settings'
      ? null
      : event.name === 'conversation-update'
        ? event.payload.data.id
        : event.payload.chat_id;
  if (chatId !== null && chatId in state.left) {
    if (event.name !== 'conversation-update' || event.payload.eventType !== 'INSERT') return state;
    state = readmit(state, [event.payload.data]);
  }
  switch (event.name) {
    case 'message-insert': {
      const { chat_id: id, message, conversation, version } = event.payload;
      const next = receiveMessages(state, id, [message]);
      // Inline summaries (CHAT_SEND_SUMMARY=inline): the conversation-update this replaces, applied alike.
      if (conversation) return advanceSynced(receiveSummaries(next, [conversation]), id, conversation.version);
      // A large conversation's message topic: the version after the send, without a summary.
      return version === undefined ? next : advanceSynced(next, id, version);
    }
    case 'message-update':
    case 'message-delete':
      return changeMessage(state, event.payload.chat_id, event.payload.message, event.payload.version);
    case 'conversations-read':
      return receiveReads(state, event.payload.conversations);
    case 'user-settings':
      return receiveUserSettings(state, event.payload);
    case 'conversation-update': {
      const { data } = event.payload;
      if (event.payload.eventType === 'DELETE') return removeConversations(state, [data.id]);
      const next = receiveSummaries(state, [data]);
      // Sends, joins and leaves change no held message, so the held messages are as new as this version;
      // after a gap they are not, and stay behind until a chat_changes read.
      const synced = advanceSynced(next, data.id, data.version);
      // Its last message is a stored message like any other: where messages are held, it is one less to
      // read (a large conversation's coalesced update after one send brings no message-insert).
      return data.last_message && storedCount(synced.messages[data.id] ?? []) > 0
        ? receiveMessages(synced, data.id, [data.last_message])
        : synced;
    }
  }
}

/**
 * Where a chat_changes read must start (`after_number`, `after_version`) when a loaded conversation's held
 * messages may miss edits or deletes, its summary's version being past the one they are synced to; else null.
 */
export function changesFrom(state: InboxState, chatId: string): { afterNumber: number; afterVersion: number } | null {
  const synced = state.synced[chatId];
  const summary = state.summaries[chatId];
  if (synced === undefined || summary === undefined || summary.version <= synced) return null;
  return { afterNumber: lastStored(state.messages[chatId])?.message_number ?? 0, afterVersion: synced };
}

/** The loaded conversations whose held messages may miss edits or deletes. */
export const conversationsChanged = (state: InboxState): string[] =>
  Object.keys(state.synced).filter((id) => changesFrom(state, id) !== null);

/** Moves `synced` to `version` when it is the very next one; a gap leaves it, for changesBehind to see. */
function advanceSynced(state: InboxState, chatId: string, version: number): InboxState {
  const held = state.synced[chatId];
  if (held === undefined || changeGap(held, version) !== 'next') return state;
  return { ...state, synced: { ...state.synced, [chatId]: version } };
}

/**
 * Whether `incoming` should replace the held copy of a message: edits and deletes stamp a higher version,
 * so it is at least as new; a copy of the very same state (an event heard twice) keeps the held one.
 */
function notOlder(incoming: Message, held: Message): boolean {
  const a = incoming.version ?? 0;
  const b = held.version ?? 0;
  if (a !== b) return a > b;
  return incoming.text !== held.text || incoming.edited_at !== held.edited_at || incoming.deleted_at !== held.deleted_at;
}

/**
 * An edit or delete: replaces the held copy (by id) unless it holds a newer one, and the summary's last
 * message if it is this one. A message not held is not added: its place is read with the history.
 */
function changeMessage(state: InboxState, chatId: string, message: Message, version: number): InboxState {
  let next = state;
  const held = state.messages[chatId];
  if (held) {
    const count = storedCount(held);
    const at = lowerBound(held, count, message.message_number);
    const current = held[at] as Message | undefined;
    if (at < count && current!.id === message.id && current !== message && notOlder(message, current!)) {
      next = withMessages(next, chatId, held.map((m, i) => (i === at ? message : m)));
    }
  }
  const summary = next.summaries[chatId];
  if (summary) {
    // The conversation as the server has it after the change: an edit or delete changes nothing else of
    // the summary, so the checkpoint agrees without a chat_inbox read.
    const last = summary.last_message?.id === message.id && notOlder(message, summary.last_message) ? message : summary.last_message;
    const updated = { ...summary, version: Math.max(summary.version, version), last_message: last };
    if (updated.version !== summary.version || last !== summary.last_message) {
      next = { ...next, summaries: { ...next.summaries, [chatId]: updated } };
    }
  }
  next = advanceSynced(next, chatId, version);
  return next === state ? state : refresh(next, [chatId]);
}

/** User settings by version: the higher one wins, whatever order they arrive in. */
function receiveUserSettings(state: InboxState, settings: UserSettings): InboxState {
  if (state.userSettings && state.userSettings.version >= settings.version) return state;
  return { ...state, userSettings: { read_receipts: settings.read_receipts, version: settings.version } };
}

/** Read marks only move forward: each is max(held, received), and unread what lies past it. */
function receiveReads(state: InboxState, reads: readonly { chat_id: string; last_read_message_number: number }[]): InboxState {
  let summaries: Record<string, ConversationSummary> | null = null;
  const changed: string[] = [];
  for (const read of reads) {
    const summary = state.summaries[read.chat_id];
    if (!summary || readMark(summary) >= read.last_read_message_number) continue;
    const mark = read.last_read_message_number;
    summaries ??= { ...state.summaries };
    summaries[read.chat_id] = { ...summary, last_read_message_number: mark, unread_count: Math.max(summary.last_message_number - mark, 0) };
    changed.push(read.chat_id);
  }
  return summaries ? refresh({ ...state, summaries }, changed) : state;
}

/** A chat_changes answer merged: new messages added, changed ones replaced when newer, synced to its version. */
function receiveChanges(state: InboxState, changes: Changes): InboxState {
  const chatId = changes.chat_id;
  // Read only for conversations held: one gone meanwhile was left or removed, and must not come back.
  if (!(chatId in state.summaries)) return state;
  let next = receiveSummaries(state, [changes.conversation]);
  const held = next.messages[chatId] ?? [];
  const count = storedCount(held);
  const stored = held.slice(0, count) as Message[];
  // Only what is new or newer than the copy held, so an answer that tells nothing new keeps the state.
  const byId = new Map(stored.map((m) => [m.id, m]));
  const newer = (m: Message) => !byId.has(m.id) || (m.version ?? 0) > (byId.get(m.id)!.version ?? 0);
  const merged = applyChanges(stored, { messages: changes.messages.filter(newer), changed: changes.changed.filter(newer) });
  const pendingIds = new Set(merged.flatMap((m) => (m.client_msg_id === null ? [] : [m.client_msg_id])));
  const pending = held.slice(count).filter((m) => !pendingIds.has(m.client_msg_id!));
  const same = merged.length === count && merged.every((m, i) => m === stored[i]) && pending.length === held.length - count;
  if (!same) next = withMessages(next, chatId, [...merged, ...pending]);
  // An incomplete answer (a row limit reached) is synced only up to its newest changed row: chat_changes
  // returns changed rows by ascending version, one version per change, so every change up to it is there.
  const version = changes.complete ? changes.version : Math.max(0, ...changes.changed.map((m) => m.version ?? 0));
  if ((next.synced[chatId] ?? -1) < version) next = { ...next, synced: { ...next.synced, [chatId]: version } };
  return next === state ? state : refresh(next, [chatId]);
}

// ---- conversations

export function findConversation(state: InboxState, chatId: string): ConversationSummary | undefined {
  return state.conversations.find((c) => c.id === chatId);
}

/** The recipient's read mark a summary carries (older servers: derived, unread = number - mark). */
export const readMark = (summary: ConversationSummary): number =>
  summary.last_read_message_number ?? Math.max(summary.last_message_number - summary.unread_count, 0);

/** The settings fields of a summary; `settings_version` says which of two is newer. */
const SETTINGS_FIELDS = ['muted', 'pinned', 'archived', 'archived_through', 'settings_version'] as const;

/** `base` with the settings of `source`. */
function withSettingsOf(base: ConversationSummary, source: ConversationSummary): ConversationSummary {
  const next: Record<string, unknown> = { ...base };
  for (const key of SETTINGS_FIELDS) {
    if (source[key] === undefined) delete next[key];
    else next[key] = source[key];
  }
  return next as ConversationSummary;
}

/**
 * Two server summaries of one conversation merged: the conversation as of the higher `version` (the
 * higher message number when neither has one), the higher read mark, and the unread count they imply;
 * the settings of the higher `settings_version` (a summary without settings, such as a send's, tells
 * nothing about them). Commutative and idempotent, so arrival order never matters. Returns `held`
 * itself when nothing is newer.
 */
export function mergeSummaries(held: ConversationSummary, incoming: ConversationSummary): ConversationSummary {
  const newer =
    incoming.version !== held.version
      ? incoming.version > held.version
      : incoming.last_message_number > held.last_message_number;
  const settings = (incoming.settings_version ?? -1) > (held.settings_version ?? -1) ? incoming : held;
  const newest = newer ? incoming : held;
  const base = settings === newest || settings.settings_version === undefined ? newest : withSettingsOf(newest, settings);
  const mark = Math.max(readMark(held), readMark(incoming));
  const unread = Math.max(base.last_message_number - mark, 0);
  const merged =
    readMark(base) === mark && base.unread_count === unread ? base : { ...base, last_read_message_number: mark, unread_count: unread };
  return merged !== held && sameSummary(merged, held) ? held : merged;
}

/** Whether `incoming` tells anything newer than `held`: a later version, or a later read mark. */
export function supersedes(incoming: ConversationSummary, held: ConversationSummary): boolean {
  return mergeSummaries(held, incoming) !== held;
}

function sameSummary(a: ConversationSummary, b: ConversationSummary): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)] as (keyof ConversationSummary)[]);
  return [...keys].every((key) =>
    key === 'last_message'
      ? a.last_message?.id === b.last_message?.id && a.last_message?.version === b.last_message?.version
      : a[key] === b[key],
  );
}

/**
 * What the inbox shows of a conversation: the server's summary, moved forward to a newer stored message
 * held here (so the list reorders as soon as a message lands; the unread count is the server's, which
 * the conversation-update after every message brings), with a read the server has not confirmed yet.
 */
function shown(state: InboxState, chatId: string): ConversationSummary | undefined {
  const server = state.summaries[chatId];
  if (!server) return undefined;
  let summary = server;
  const latest = lastStored(state.messages[chatId]);
  if (latest && latest.message_number > server.last_message_number) {
    summary = {
      ...server,
      last_message: latest,
      last_message_number: latest.message_number,
      updated_at: latest.created_at > server.updated_at ? latest.created_at : server.updated_at,
    };
  }
  const pending = state.pendingReads[chatId];
  if (pending !== undefined && pending > readMark(server)) {
    const mark = Math.min(pending, summary.last_message_number);
    summary = { ...summary, last_read_message_number: mark, unread_count: Math.max(server.last_message_number - mark, 0) };
  }
  // Archived until a newer message: the summary's flag is as of its settings, the number may be newer.
  if (summary.archived_through !== undefined) {
    const archived = summary.archived_through !== null && summary.last_message_number <= summary.archived_through;
    if (archived !== summary.archived) summary = { ...summary, archived };
  }
  return summary;
}

function receiveSummaries(state: InboxState, incoming: readonly ConversationSummary[]): InboxState {
  let summaries: Record<string, ConversationSummary> | null = null;
  const changed: string[] = [];
  for (const conversation of incoming) {
    const current = (summaries ?? state.summaries)[conversation.id];
    const merged = current ? mergeSummaries(current, conversation) : conversation;
    if (merged === current) continue;
    summaries ??= { ...state.summaries };
    summaries[conversation.id] = merged;
    changed.push(conversation.id);
  }
  return summaries ? refresh({ ...state, summaries }, changed) : state;
}

function receiveInbox(
  state: InboxState,
  incoming: readonly ConversationSummary[],
  heldBefore: InboxState['summaries'],
): InboxState {
  const listed = new Set(incoming.map((c) => c.id));
  const gone = Object.keys(state.summaries).filter((id) => !listed.has(id) && state.summaries[id] === heldBefore[id]);
  return removeConversations(receiveSummaries(state, incoming), gone);
}

/** Conversations a server read lists again are no longer left. */
function readmit(state: InboxState, conversations: readonly { id: string }[]): InboxState {
  const back = conversations.filter((c) => c.id in state.left);
  if (back.length === 0) return state;
  const left = { ...state.left };
  for (const c of back) delete left[c.id];
  return { ...state, left };
}

function removeConversations(state: InboxState, chatIds: readonly string[]): InboxState {
  const ids = chatIds.filter((id) => id in state.summaries || id in state.messages || id in state.pendingReads || id in state.synced);
  if (ids.length === 0) return state;
  const left = { ...state.left };
  for (const id of ids) left[id] = true;
  const drop = <T>(record: Readonly<Record<string, T>>) => {
    const copy = { ...record };
    for (const id of ids) delete copy[id];
    return copy;
  };
  const gone = new Set(ids);
  return withConversations(
    {
      ...state,
      messages: drop(state.messages),
      summaries: drop(state.summaries),
      pendingReads: drop(state.pendingReads),
      synced: drop(state.synced),
      left,
    },
    state.conversations.filter((c) => !gone.has(c.id)),
  );
}

/**
 * chat_inbox's order: pinned first, then `updated_at` descending (microseconds, fixed-width strings),
 * then `id` ascending.
 */
export function inboxOrder(a: ConversationSummary, b: ConversationSummary): number {
  if (Boolean(a.pinned) !== Boolean(b.pinned)) return a.pinned ? -1 : 1;
  if (a.updated_at !== b.updated_at) return a.updated_at > b.updated_at ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** Whether a conversation's unread messages count in the total: not muted, not archived. */
export const countsInTotal = (c: ConversationSummary): boolean => !c.muted && !c.archived;

const total = (conversations: readonly ConversationSummary[]) =>
  conversations.reduce((sum, c) => (countsInTotal(c) ? sum + c.unread_count : sum), 0);

const sameItems = <T>(a: readonly T[], b: readonly T[]) => a.length === b.length && a.every((x, i) => x === b[i]);

/** The state with a new conversation list and what derives from it; unchanged parts keep their identity. */
function withConversations(state: InboxState, conversations: readonly ConversationSummary[]): InboxState {
  const active = conversations.filter((c) => !c.archived);
  const archived = conversations.filter((c) => c.archived);
  return {
    ...state,
    conversations,
    active: sameItems(active, state.active) ? state.active : active,
    archived: sameItems(archived, state.archived) ? state.archived : archived,
    unreadTotal: total(conversations),
  };
}

/**
 * Recomputes what shows of the given conversations. A few are moved in place (O(conversations), no sort);
 * many, as from chat_inbox, rebuild the list once.
 */
function refresh(state: InboxState, chatIds: readonly string[]): InboxState {
  if (chatIds.length > 8) {
    const conversations = Object.keys(state.summaries).map((id) => {
      const next = shown(state, id)!;
      const previous = state.conversations.find((c) => c.id === id);
      return previous && sameSummary(previous, next) ? previous : next;
    });
    conversations.sort(inboxOrder);
    return sameItems(conversations, state.conversations) ? state : withConversations(state, conversations);
  }
  let conversations = state.conversations as ConversationSummary[];
  for (const id of chatIds) {
    const index = conversations.findIndex((c) => c.id === id);
    const previous = index < 0 ? undefined : conversations[index];
    const next = shown(state, id);
    if (previous && next && sameSummary(previous, next)) continue;
    if (!previous && !next) continue;
    const rest = index < 0 ? conversations : [...conversations.slice(0, index), ...conversations.slice(index + 1)];
    if (next) {
      const at = insertionPoint(rest, next);
      conversations = [...rest.slice(0, at), next, ...rest.slice(at)];
    } else {
      conversations = rest;
    }
  }
  if (conversations === state.conversations) return state;
  return withConversations(state, conversations);
}

function insertionPoint(sorted: readonly ConversationSummary[], item: ConversationSummary): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (inboxOrder(sorted[mid]!, item) < 0) low = mid + 1;
    else high = mid;
  }
  return low;
}

// ---- messages
//
// A conversation's messages are its stored messages, ascending by number, then the optimistic ones.
// A number names one message (an edit or delete replaces it in place), so a binary search by number finds
// duplicates (same id, or same client_msg_id, means same number): an event costs O(log n) plus one
// copy of the array, whatever the history held.

/** How many of `held` are stored; optimistic messages are the few at the end. */
function storedCount(held: readonly ChatMessage[]): number {
  let count = held.length;
  while (count > 0 && isOptimistic(held[count - 1]!)) count--;
  return count;
}

function lastStored(held: readonly ChatMessage[] | undefined): Message | undefined {
  if (!held) return undefined;
  const count = storedCount(held);
  return count > 0 ? (held[count - 1] as Message) : undefined;
}

/** Index of the first stored message numbered `number` or higher, among the first `count` of `held`. */
function lowerBound(held: readonly ChatMessage[], count: number, number: number): number {
  let low = 0;
  let high = count;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if ((held[mid] as Message).message_number < number) low = mid + 1;
    else high = mid;
  }
  return low;
}

/**
 * Merges stored messages into a conversation. One already held (its number is) is skipped. One whose
 * `client_msg_id` matches an optimistic message replaces it. Numbers put them in order, whatever order
 * they came in.
 */
function receiveMessages(state: InboxState, chatId: string, incoming: readonly Message[], version?: number): InboxState {
  if (!(chatId in state.synced) && incoming.length > 0) {
    // The first messages held: they are at least as new as the summary held when they were read.
    state = { ...state, synced: { ...state.synced, [chatId]: version ?? state.summaries[chatId]?.version ?? 0 } };
  }
  const held = state.messages[chatId] ?? [];
  const count = storedCount(held);
  const numbers = new Set<number>();
  const fresh: Message[] = [];
  for (const message of incoming) {
    if (numbers.has(message.message_number)) continue;
    const at = lowerBound(held, count, message.message_number);
    if (at < count && (held[at] as Message).message_number === message.message_number) continue;
    numbers.add(message.message_number);
    fresh.push(message);
  }
  if (fresh.length === 0) return state;
  fresh.sort((a, b) => a.message_number - b.message_number);

  let stored: ChatMessage[];
  if (count === 0 || fresh[0]!.message_number > (held[count - 1] as Message).message_number) {
    stored = held.slice(0, count).concat(fresh);
  } else if (fresh.length === 1) {
    const at = lowerBound(held, count, fresh[0]!.message_number);
    stored = held.slice(0, at).concat(fresh, held.slice(at, count));
  } else {
    stored = [];
    let i = 0;
    for (const message of fresh) {
      while (i < count && (held[i] as Message).message_number < message.message_number) stored.push(held[i++]!);
      stored.push(message);
    }
    while (i < count) stored.push(held[i++]!);
  }
  let pending = held.slice(count);
  if (pending.length > 0) {
    const confirmed = new Set(fresh.flatMap((m) => (m.client_msg_id === null ? [] : [m.client_msg_id])));
    pending = pending.filter((m) => !confirmed.has(m.client_msg_id!));
  }
  return refresh(withMessages(state, chatId, pending.length > 0 ? stored.concat(pending) : stored), [chatId]);
}

function updateOptimistic(
  state: InboxState,
  chatId: string,
  clientMsgId: string,
  update: (message: OptimisticMessage) => OptimisticMessage,
): InboxState {
  const held = state.messages[chatId] ?? [];
  const index = held.findIndex((m) => isOptimistic(m) && m.client_msg_id === clientMsgId);
  if (index < 0) return state;
  return withMessages(state, chatId, held.map((m, i) => (i === index ? update(m as OptimisticMessage) : m)));
}

function withMessages(state: InboxState, chatId: string, messages: ChatMessage[]): InboxState {
  return { ...state, messages: { ...state.messages, [chatId]: messages } };
}

// ---- catch-up

/**
 * Where reading must resume for a conversation to hold every message from the first one it holds up
 * to the newest one it knows of (its highest held number, or its summary's `last_message_number`):
 * the `after_number` for chat_messages, or null when nothing is missing. Conversations with no stored
 * messages loaded are never behind: their summary is all the inbox shows of them. O(log n): numbers
 * ascend, so "held[i] is first + i" holds up to the first hole and never after it.
 */
export function missingAfter(state: InboxState, chatId: string): number | null {
  const held = state.messages[chatId] ?? [];
  const count = storedCount(held);
  if (count === 0) return null;
  const first = (held[0] as Message).message_number;
  let low = 0;
  let high = count - 1;
  while (low < high) {
    const mid = (low + high + 1) >>> 1;
    if ((held[mid] as Message).message_number === first + mid) low = mid;
    else high = mid - 1;
  }
  const end = (held[low] as Message).message_number;
  const newest = Math.max((held[count - 1] as Message).message_number, state.summaries[chatId]?.last_message_number ?? 0);
  return end < newest ? end : null;
}

/** The highest number of the stored messages held for a conversation, 0 when none is. */
export const newestStored = (state: InboxState, chatId: string): number => lastStored(state.messages[chatId])?.message_number ?? 0;

/**
 * The chat_messages page (`after_number`, `row_limit`) of up to `size` messages just before the oldest one
 * held, or the newest `size` of a known conversation when none is held; null when there is nothing older.
 */
export function olderPage(state: InboxState, chatId: string, size: number): { after: number; limit: number } | null {
  const held = state.messages[chatId] ?? [];
  const oldest = storedCount(held) > 0 ? (held[0] as Message).message_number : undefined;
  const end = oldest !== undefined ? oldest - 1 : (state.summaries[chatId]?.last_message_number ?? 0);
  if (end < 1) return null;
  const after = Math.max(0, end - size);
  return { after, limit: end - after };
}

/**
 * The checkpoint of the server state held, computed as `chat_inbox_checkpoint()` computes it on the
 * server: equal when every summary held is the server's current one, and none is missing or extra.
 */
export function inboxCheckpoint(state: InboxState): InboxCheckpoint & { settings: number } {
  const checkpoint = { conversations: 0, versions: 0, read_marks: 0, ids: 0, settings: state.userSettings?.version ?? 0 };
  for (const summary of Object.values(state.summaries)) {
    checkpoint.conversations += 1;
    checkpoint.versions += summary.version;
    checkpoint.read_marks += readMark(summary);
    checkpoint.ids += Number.parseInt(summary.id.slice(0, 8), 16);
    checkpoint.settings += summary.settings_version ?? 0;
  }
  return checkpoint;
}

/** Equal checkpoints; `settings` counts only when both have it (a server older than settings has not). */
export const sameCheckpoint = (a: InboxCheckpoint, b: InboxCheckpoint): boolean =>
  a.conversations === b.conversations &&
  a.versions === b.versions &&
  a.read_marks === b.read_marks &&
  a.ids === b.ids &&
  (a.settings === undefined || b.settings === undefined || a.settings === b.settings);

/**
 * Whether this user's client announces its reads in a conversation (`read` on chat:<chat_id>): the
 * user has read receipts on, as the server said (unknown: no), and the conversation is known and has
 * at most READ_RECEIPTS_MAX_MEMBERS participants.
 */
export function announcesReads(state: InboxState, chatId: string): boolean {
  const conversation = state.summaries[chatId];
  return state.userSettings?.read_receipts === true && conversation !== undefined && conversation.participant_count <= READ_RECEIPTS_MAX_MEMBERS;
}

/** Whether other members' read announcements are heeded: not in a conversation known to be larger than the bound. */
export function hearsReads(state: InboxState, chatId: string): boolean {
  return (state.summaries[chatId]?.participant_count ?? 0) <= READ_RECEIPTS_MAX_MEMBERS;
}

/** Conversations with messages loaded that miss some: the ones a catch-up must read. */
export function conversationsBehind(state: InboxState): string[] {
  return Object.keys(state.messages).filter((chatId) => missingAfter(state, chatId) !== null);
}
