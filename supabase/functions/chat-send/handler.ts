// chat-send: stores one message or a batch (voice mode) and tells every participant.
import type { ChatFunction } from '../_shared/chat-function.ts';
import type { FanoutConfig } from '../_shared/config.ts';
import { inboxUpdates, messageTopicEvents, sendEvents } from '../_shared/events.ts';
import { HttpError, parseBody } from '../_shared/http.ts';
import { SendResult, sendRecipients } from '../_shared/rpc-results.ts';
import { callRpc } from '../_shared/rpc.ts';
import { messageTopic, type SendItem, SendBatchBody, SendSingleBody } from '../_shared/contract/index.ts';

/** Whether a send to this many recipients goes out as a large conversation's (CHAT_LARGE_CONVERSATION_MEMBERS). */
export const isLarge = (recipients: number, fanout: FanoutConfig) => fanout.largeMembers > 0 && recipients >= fanout.largeMembers;

export interface SendInput {
  chatId: string;
  items: SendItem[];
}

export const chatSend: ChatFunction<SendInput> = {
  name: 'chat_send',
  allowServer: true,

  parse(body, caller) {
    const isBatch = typeof body === 'object' && body !== null && 'messages' in body;
    const input: SendInput = isBatch
      ? (({ chat_id, messages }) => ({ chatId: chat_id, items: messages }))(parseBody(SendBatchBody, body))
      : (({ chat_id, ...item }) => ({ chatId: chat_id, items: [item] }))(parseBody(SendSingleBody, body));
    for (const { role } of input.items) {
      if (caller.kind === 'user' && role && role !== 'user') {
        throw new HttpError(403, 'forbidden', `${role} messages can only be sent with the secret key`);
      }
      if (caller.kind === 'server' && role === 'user') {
        throw new HttpError(400, 'invalid_body', "the secret key sends assistant or system messages; user messages need the user's token");
      }
    }
    return input;
  },

  async run({ chatId, items }, { client, fanout }) {
    const result = await callRpc(client, 'chat_send', { chat_id: chatId, messages: items }, SendResult);
    const recipients = sendRecipients(result);
    const summary = result.conversation;
    const logFields = {
      chat_id: chatId,
      message_ids: result.messages.map((m) => m.id),
      inserted_count: result.inserted_count,
      target_user_count: recipients.length,
      has_participants: recipients.length > 0,
    };
    if (isLarge(recipients.length, fanout)) {
      // The messages once, to those who have the conversation open; everyone's inbox at most once per
      // window (architecture.md, "Large conversations").
      return {
        body: { messages: result.messages },
        events: messageTopicEvents(summary, result.messages),
        broadcastOptions: { lane: messageTopic(chatId), deliveriesPerMessage: Math.ceil(recipients.length * fanout.largeViewerShare) },
        coalesced: { key: chatId, version: summary.version, events: inboxUpdates(recipients, summary) },
        reportBroadcast: true,
        logFields: { ...logFields, large: true },
      };
    }
    return {
      body: { messages: result.messages },
      events: sendEvents(recipients, summary, result.messages, fanout.summary),
      reportBroadcast: true,
      logFields,
    };
  },
};
