// Builds the Realtime messages for a change: one private message per recipient's inbox channel, and
// for a large conversation's sends one per message on its message topic.
import type { SummaryDelivery } from './config.ts';
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
  messageTopic,
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

/** Each message to the recipient's inbox; `conversation`, when given, rides on the last one. */
export function messageInserts(recipient: Recipient, chatId: string, messages: Message[], conversation?: ConversationSummary): RealtimeMessage[] {
  return messages.map((message, i) => ({
    topic: inboxTopic(recipient.user_id),
    event: EVENT.messageInsert,
    payload: conversation && i === messages.length - 1 ? { chat_id: chatId, message, conversation } : { chat_id: chatId, message },
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

/**
 * A send: each recipient gets the new messages and their own updated summary, as a conversation-update
 * after them (`separate`) or on the last message-insert (`inline`, one Realtime message less each).
 */
export function sendEvents(
  recipients: Recipient[],
  summary: SharedSummary,
  messages: Message[],
  delivery: SummaryDelivery = 'separate',
): RealtimeMessage[] {
  if (delivery === 'separate' || messages.length === 0) {
    return recipients.flatMap((recipient) => [
      ...messageInserts(recipient, summary.id, messages),
      conversationUpdate(recipient, summary, 'message'),
    ]);
  }
  return recipients.flatMap((recipient) =>
    messageInserts(recipient, summary.id, messages, personalise(summary, recipient.unread_count, recipient.last_read_message_number))
  );
}

/**
 * A large conversation's send, the part for those who have it open: each message once on its message
 * topic, the last one with the conversation's version after the send (so a client holding the one
 * before knows it missed no edit or delete).
 */
export function messageTopicEvents(summary: SharedSummary, messages: Message[]): RealtimeMessage[] {
  return messages.map((message, i) => ({
    topic: messageTopic(summary.id),
    event: EVENT.messageInsert,
    payload: { chat_id: summary.id, message, ...(i === messages.length - 1 ? { version: summary.version } : {}) },
    private: true,
  }));
}

/** A large conversation's send, the part for everyone's inbox: their own summary, coalesced by the caller. */
export const inboxUpdates = (recipients: Recipient[], summary: SharedSummary): RealtimeMessage[] =>
  recipients.map((recipient) => conversationUpdate(recipient, summary, 'message'));

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
