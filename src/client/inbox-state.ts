// The inbox as plain data, and every change to it as a pure function (state, action) → state.
// No I/O and no clock: InboxStore feeds it what the server said and what the user did. Every
// transition is idempotent and order-tolerant, because broadcasts can arrive twice, late, or not at
// all, and the same message can come back from a send response, an event and a catch-up read.
// A transition that changes nothing returns the very same state object, so snapshots keep their
// identity (what React's useSyncExternalStore relies on).
import type { ConversationSummary, Message } from 'supabase-realtime-inbox-contract';
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
  /** Most recent activity first: `updated_at` descending, then `id`, as `chat_inbox` orders them. */
  readonly conversations: readonly ConversationSummary[];
  /** Per conversation: stored messages by `message_number`, then the user's unconfirmed ones in send order. */
  readonly messages: Readonly<Record<string, readonly ChatMessage[]>>;
  /** Sum of the conversations' unread counts. */
  readonly unreadTotal: number;
}

export type InboxAction =
  | { type: 'reset' }
  | { type: 'event'; event: InboxEvent }
  /** Summaries from chat_inbox or a function's answer; older ones than held are ignored. */
  | { type: 'conversations-received'; conversations: readonly ConversationSummary[] }
  /** Stored messages from any source: a send answer, an event, a catch-up or history read. */
  | { type: 'messages-received'; chatId: string; messages: readonly Message[] }
  | { type: 'send-started'; message: OptimisticMessage }
  | { type: 'send-failed'; chatId: string; clientMsgId: string; error: string }
  | { type: 'send-retried'; chatId: string; clientMsgId: string }
  /** The user read the conversation: unread 0 now, before the server confirms. */
  | { type: 'read-marked'; chatId: string };

export const emptyInbox: InboxState = Object.freeze({ conversations: [], messages: {}, unreadTotal: 0 });

export const isOptimistic = (message: ChatMessage): message is OptimisticMessage => message.message_number === null;
const isStored = (message: ChatMessage): message is Message => message.message_number !== null;

export function reduce(state: InboxState, action: InboxAction): InboxState {
  switch (action.type) {
    case 'reset':
      return emptyInbox;
    case 'event':
      return applyEvent(state, action.event);
    case 'conversations-received':
      return upsertConversations(state, action.conversations);
    case 'messages-received':
      return receiveMessages(state, action.chatId, action.messages);
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
      const held = findConversation(state, action.chatId);
      if (!held || held.unread_count === 0) return state;
      return withConversations(state, state.conversations.map((c) => (c === held ? { ...c, unread_count: 0 } : c)));
    }
  }
}

function applyEvent(state: InboxState, event: InboxEvent): InboxState {
  if (event.name === 'message-insert') {
    return receiveMessages(state, event.payload.chat_id, [event.payload.message]);
  }
  if (event.payload.eventType === 'DELETE') return removeConversation(state, event.payload.data.id);
  return upsertConversations(state, [event.payload.data]);
}

// ---- conversations

export function findConversation(state: InboxState, chatId: string): ConversationSummary | undefined {
  return state.conversations.find((c) => c.id === chatId);
}

/**
 * Whether `incoming` should replace `held`: a later message number wins, then a later `updated_at`.
 * At equal versions it replaces only if something differs (a read changes the unread count, not the version).
 */
export function supersedes(incoming: ConversationSummary, held: ConversationSummary): boolean {
  if (incoming.last_message_number !== held.last_message_number) {
    return incoming.last_message_number > held.last_message_number;
  }
  if (incoming.updated_at !== held.updated_at) return incoming.updated_at > held.updated_at;
  return !sameSummary(incoming, held);
}

function sameSummary(a: ConversationSummary, b: ConversationSummary): boolean {
  return (Object.keys(a) as (keyof ConversationSummary)[]).every((key) =>
    key === 'last_message' ? a.last_message?.id === b.last_message?.id : a[key] === b[key],
  );
}

function upsertConversations(state: InboxState, incoming: readonly ConversationSummary[]): InboxState {
  const byId = new Map(state.conversations.map((c) => [c.id, c]));
  let changed = false;
  for (const conversation of incoming) {
    const held = byId.get(conversation.id);
    if (held && !supersedes(conversation, held)) continue;
    byId.set(conversation.id, conversation);
    changed = true;
  }
  return changed ? withConversations(state, [...byId.values()]) : state;
}

function removeConversation(state: InboxState, chatId: string): InboxState {
  if (!findConversation(state, chatId) && !(chatId in state.messages)) return state;
  const { [chatId]: _dropped, ...messages } = state.messages;
  return withConversations({ ...state, messages }, state.conversations.filter((c) => c.id !== chatId));
}

/** ISO timestamps (the schemas normalise them) compare correctly as strings. */
function byActivity(a: ConversationSummary, b: ConversationSummary): number {
  if (a.updated_at !== b.updated_at) return a.updated_at > b.updated_at ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

function withConversations(state: InboxState, conversations: ConversationSummary[]): InboxState {
  conversations.sort(byActivity);
  const unreadTotal = conversations.reduce((sum, c) => sum + c.unread_count, 0);
  return { ...state, conversations, unreadTotal };
}

// ---- messages

/**
 * Merges stored messages into a conversation. A message already held (same `id`, or same
 * `client_msg_id` as a stored one) is skipped: stored messages never change. One whose
 * `client_msg_id` matches an optimistic message replaces it. Numbers put them in order, whatever
 * order they came in.
 */
function receiveMessages(state: InboxState, chatId: string, incoming: readonly Message[]): InboxState {
  const held = state.messages[chatId] ?? [];
  const stored = held.filter(isStored);
  const seen = new Set(stored.flatMap((m) => (m.client_msg_id === null ? [m.id] : [m.id, m.client_msg_id])));
  const fresh: Message[] = [];
  for (const message of incoming) {
    if (seen.has(message.id) || (message.client_msg_id !== null && seen.has(message.client_msg_id))) continue;
    seen.add(message.id);
    if (message.client_msg_id !== null) seen.add(message.client_msg_id);
    fresh.push(message);
  }
  if (fresh.length === 0) return state;

  const merged = [...stored, ...fresh].sort((a, b) => a.message_number - b.message_number);
  const stillPending = held.filter((m) => isOptimistic(m) && !seen.has(m.client_msg_id));
  return bumpConversation(withMessages(state, chatId, [...merged, ...stillPending]), merged[merged.length - 1]!);
}

/**
 * Moves a conversation's summary up to a newer message than it knows of, so the list reorders as soon
 * as a message lands. The unread count is left alone: the conversation-update that follows every
 * message carries the recipient's own.
 */
function bumpConversation(state: InboxState, latest: Message): InboxState {
  const held = findConversation(state, latest.chat_id);
  if (!held || latest.message_number <= held.last_message_number) return state;
  return upsertConversations(state, [
    {
      ...held,
      last_message: latest,
      last_message_number: latest.message_number,
      updated_at: latest.created_at > held.updated_at ? latest.created_at : held.updated_at,
    },
  ]);
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
 * messages loaded are never behind: their summary is all the inbox shows of them.
 */
export function missingAfter(state: InboxState, chatId: string): number | null {
  const stored = (state.messages[chatId] ?? []).filter(isStored);
  if (stored.length === 0) return null;
  let end = stored[0]!.message_number;
  for (const message of stored) {
    if (message.message_number > end + 1) break;
    end = message.message_number;
  }
  const newest = Math.max(stored[stored.length - 1]!.message_number, findConversation(state, chatId)?.last_message_number ?? 0);
  return end < newest ? end : null;
}

/**
 * The chat_messages page (`after_number`, `row_limit`) of up to `size` messages just before the oldest one
 * held, or the newest `size` of a known conversation when none is held; null when there is nothing older.
 */
export function olderPage(state: InboxState, chatId: string, size: number): { after: number; limit: number } | null {
  const oldest = (state.messages[chatId] ?? []).find(isStored)?.message_number;
  const end = oldest !== undefined ? oldest - 1 : (findConversation(state, chatId)?.last_message_number ?? 0);
  if (end < 1) return null;
  const after = Math.max(0, end - size);
  return { after, limit: end - after };
}

/** Conversations with messages loaded that miss some: the ones a catch-up must read. */
export function conversationsBehind(state: InboxState): string[] {
  return Object.keys(state.messages).filter((chatId) => missingAfter(state, chatId) !== null);
}
