// chat-send: stores one message or a batch (voice mode) and tells every participant.
import type { ChatFunction } from '../_shared/chat-function.ts';
import { sendEvents } from '../_shared/events.ts';
import { HttpError, parseBody } from '../_shared/http.ts';
import { SendResult, sendRecipients } from '../_shared/rpc-results.ts';
import { callRpc } from '../_shared/rpc.ts';
import { type SendItem, SendBatchBody, SendSingleBody } from '../_shared/contract/index.ts';

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

  async run({ chatId, items }, { client }) {
    const result = await callRpc(client, 'chat_send', { chat_id: chatId, messages: items }, SendResult);
    const recipients = sendRecipients(result);
    return {
      body: { messages: result.messages },
      events: sendEvents(recipients, result.conversation, result.messages),
      reportBroadcast: true,
      logFields: {
        chat_id: chatId,
        message_ids: result.messages.map((m) => m.id),
        inserted_count: result.inserted_count,
        target_user_count: recipients.length,
        has_participants: recipients.length > 0,
      },
    };
  },
};
