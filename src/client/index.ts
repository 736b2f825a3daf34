/**
 * The client library for the realtime inbox: one private channel per signed-in user
 * (`UnifiedChannelService`) and a framework-agnostic store of conversations and messages (`InboxStore`).
 *
 * ```ts
 * import { createClient } from '@supabase/supabase-js';
 * import { InboxStore } from './client/index.ts';
 *
 * const supabase = createClient(url, publishableKey);
 * const store = new InboxStore(supabase);
 * await store.start(); // joined, and caught up
 * store.subscribe(() => render(store.getSnapshot()));
 * await store.send(chatId, 'hello');
 * ```
 *
 * Browsers need nothing more. **Node 20** has no global WebSocket, and createClient() throws without one:
 * pass the `ws` package as the transport, `createClient(url, key, { realtime: { transport: WebSocket } })`
 * with `import WebSocket from 'ws'`. Node 22 and later have a global WebSocket.
 *
 * @module
 */
export { ChatApiError, type ChatFunctionName, type SupabaseLike } from './api.ts';
export { Backoff, retryWithBackoff, type BackoffOptions, type RetryOptions } from './backoff.ts';
export {
  UnifiedChannelService,
  type ChannelStatus,
  type StatusListener,
  type UnifiedChannelServiceOptions,
} from './channel-service.ts';
export { parseInboxEvent, type InboxEvent, type InboxEventMap, type InvalidEvent, type ParsedEvent } from './events.ts';
export {
  conversationsBehind,
  emptyInbox,
  inboxCheckpoint,
  isOptimistic,
  mergeSummaries,
  missingAfter,
  olderPage,
  readMark,
  reduce,
  sameCheckpoint,
  supersedes,
  type ChatMessage,
  type InboxAction,
  type InboxState,
  type OptimisticMessage,
} from './inbox-state.ts';
export { InboxStore, type InboxStoreOptions, type InboxStoreStats, type JoinResult } from './inbox-store.ts';
export type {
  ConversationSummary,
  ConversationUpdatePayload,
  CreateBody,
  InboxCheckpoint,
  Message,
  MessageInsertPayload,
} from '../../supabase/functions/_shared/contract/index.ts';
