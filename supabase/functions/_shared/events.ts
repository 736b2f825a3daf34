// Builds the Realtime messages for a change: one private message per recipient's inbox channel.
import type { Recipient, SharedSummary } from './rpc-results.ts';
import {
  type ConversationSummary,
  type ConversationUpdatePayload,
  type ConversationUpdateReason,
  EVENT,
  inboxTopic,
  type Message,
  type MessageInsertPayload,
} from './contract/index.ts';

export type RealtimeMessage =
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
