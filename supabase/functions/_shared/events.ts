// Builds the Realtime messages for a change: one private message per recipient's inbox channel.
import type { Recipient, SharedSummary } from './rpc-results.ts';
import {
  CHANGE_EVENT,
  type ConversationsReadPayload,
  type ConversationSummary,
  type ConversationUpdatePayload,
  type ConversationUpdateReason,
  EVENT,
  inboxTopic,
  type Message,
  type MessageChangePayload,
  type MessageInsertPayload,
  READ_ALL_EVENT_SIZE,
  type UserSettings,
} from './contract/index.ts';

export type RealtimeMessage =
  | { topic: string; event: typeof CHANGE_EVENT.messageUpdate | typeof CHANGE_EVENT.messageDelete; payload: MessageChangePayload; private: true }
  | { topic: string; event: typeof CHANGE_EVENT.conversationsRead; payload: ConversationsReadPayload; private: true }
  | { topic: string; event: typeof CHANGE_EVENT.userSettings; payload: UserSettings; private: true }
  | { topic: string; event: typeof EVENT.messageInsert; payload: MessageInsertPayload; private: true }
  | { topic: string; event: typeof EVENT.conversationUpdate; payload: ConversationUpdatePayload; private: true };

export const personalise = (summary: SharedSummary, unreadCount: number, readMark?: number): ConversationSummary => ({
  ...summary,
  unread_count: unreadCount,
  ...(readMark === undefined ? {} : { last_read_message_number: readMark }),
});

export function messageInserts(recipient: Recipient, chatId: string, messages: Message[]): RealtimeMessage[] {
  return messages.map((message) => ({
    topic: inboxTopic(recipient.user_id),
    event: EVENT.messageInsert,
    payload: { chat_id: chatId, message },
    private: true,
  }));
}

export function conversationUpdate(
  recipient: Recipient,
  summary: SharedSummary,
  reason: ConversationUpdateReason,
  eventType: ConversationUpdatePayload['eventType'] = 'UPDATE',
): RealtimeMessage {
  return {
    topic: inboxTopic(recipient.user_id),
    event: EVENT.conversationUpdate,
    payload: {
      chat_id: summary.id,
      eventType,
      reason,
      data: personalise(summary, recipient.unread_count, recipient.last_read_message_number),
    },
    private: true,
  };
}

/** A send: each recipient gets the new messages, then their own updated summary. */
export function sendEvents(recipients: Recipient[], summary: SharedSummary, messages: Message[]): RealtimeMessage[] {
  return recipients.flatMap((recipient) => [
    ...messageInserts(recipient, summary.id, messages),
    conversationUpdate(recipient, summary, 'message'),
  ]);
}

/** An edit or a delete: one event per participant, whatever changed. */
export function messageChangeEvents(
  event: typeof CHANGE_EVENT.messageUpdate | typeof CHANGE_EVENT.messageDelete,
  recipients: { user_id: string }[],
  payload: MessageChangePayload,
): RealtimeMessage[] {
  return recipients.map((recipient) => ({ topic: inboxTopic(recipient.user_id), event, payload, private: true }));
}

/** Mark all read: the reader's channel only, one event per READ_ALL_EVENT_SIZE conversations. */
export function readAllEvents(userId: string, conversations: ConversationsReadPayload['conversations']): RealtimeMessage[] {
  const events: RealtimeMessage[] = [];
  for (let start = 0; start < conversations.length; start += READ_ALL_EVENT_SIZE) {
    events.push({
      topic: inboxTopic(userId),
      event: CHANGE_EVENT.conversationsRead,
      payload: { all: true, conversations: conversations.slice(start, start + READ_ALL_EVENT_SIZE) },
      private: true,
    });
  }
  return events;
}

/** chat-settings {read_receipts}: the user's own channel only (their other tabs and devices). */
export function userSettingsEvent(userId: string, settings: UserSettings): RealtimeMessage {
  return { topic: inboxTopic(userId), event: CHANGE_EVENT.userSettings, payload: settings, private: true };
}
