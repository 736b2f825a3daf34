/**
 * The client library for the realtime inbox: one private channel per signed-in user
 * (`UnifiedChannelService`) and a framework-agnostic store of conversations and messages (`InboxStore`).
 *
 * ```ts
 * import { createClient } from '@supabase/supabase-js';
 * import { InboxStore } from 'supabase-realtime-inbox/client';
 *
 * const supabase = createClient(url, publishableKey);
 * const store = new InboxStore(supabase);
 * await store.start(); // joined, and caught up
 * store.subscribe(() => render(store.getSnapshot()));
 * await store.send(chatId, 'hello');
 * ```
 *
 * Browsers need nothing more; on Node, 22 or later (as supabase-js requires), which has a global WebSocket.
 *
 * @module
 */
// The public face: the two classes, their options, the events and snapshot they hand out, the error.
// Reducer internals (inbox-state.ts) and the retry helpers are not API.
export { ChatApiError, type ChatFunctionName, type SupabaseLike } from './api.ts';
export type { BackoffOptions, RetryOptions } from './backoff.ts';
// The actions of issue 13 as plain functions over a supabase client (InboxStore wraps them too).
export {
  deleteMessage,
  editMessage,
  fetchChanges,
  fetchMembers,
  leaveConversation,
  markAllRead,
} from './changes.ts';
// Typing, presence and last seen on chat:<chat_id>: hints only, never authoritative.
export {
  conversationTopic,
  ConversationPresence,
  touchLastSeen,
  READ_EVENT,
  TYPING_EVENT,
  TYPING_EXPIRY_MS,
  TYPING_THROTTLE_MS,
  type ConversationPresenceOptions,
  type ConversationPresenceSnapshot,
  type ReadAnnouncement,
  type PresenceJoinResult,
} from './conversation-presence.ts';
// Per-user settings (chat-settings): mute, archive, pin, read receipts (InboxStore wraps them too).
export {
  fetchUserSettings,
  setReadReceipts,
  updateConversationSettings,
  type ConversationSettingsChange,
  type ReadReceiptGate,
} from './settings.ts';
export {
  UnifiedChannelService,
  type ChannelStatus,
  type StatusListener,
  type UnifiedChannelServiceOptions,
} from './channel-service.ts';
// What InboxStore.openConversation answers: the open conversation's message topic joined, or refused.
export type { FeedJoinResult } from './conversation-feed.ts';
export type { InboxEvent, InboxEventMap, InboxEventName, InvalidEvent } from './events.ts';
export { isOptimistic, type ChatMessage, type InboxState, type OptimisticMessage } from './inbox-state.ts';
export { InboxStore, type InboxStoreOptions, type InboxStoreStats, type JoinResult } from './inbox-store.ts';
export type { Database, Json } from 'supabase-realtime-inbox-contract/database';
export {
  CHANGE_EVENT,
  EVENT,
  inboxTopic,
  LIMITS,
  READ_RECEIPTS_MAX_MEMBERS,
  messageTopic,
  type ConversationSummary,
  type ConversationUpdatePayload,
  type ConversationUpdateReason,
  type CreateBody,
  type InboxCheckpoint,
  type ConversationsReadPayload,
  type Message,
  type MessageChangePayload,
  type MessageInsertPayload,
  type UserSettings,
} from 'supabase-realtime-inbox-contract';
