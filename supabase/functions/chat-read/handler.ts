// chat-read: moves the reader's mark; all the reader's tabs and devices get the new unread count.
import type { ChatFunction } from '../_shared/chat-function.ts';
import { conversationUpdate, personalise } from '../_shared/events.ts';
import { parseBody } from '../_shared/http.ts';
import { ReadResult } from '../_shared/rpc-results.ts';
import { callRpc } from '../_shared/rpc.ts';
import { ReadBody } from '../_shared/contract/index.ts';

export const chatRead: ChatFunction<ReadBody> = {
  name: 'chat_read',
  allowServer: false,
  parse: (body) => parseBody(ReadBody, body),

  async run({ chat_id, up_to_number }, { client }) {
    const result = await callRpc(client, 'chat_read', { chat_id, up_to_number: up_to_number ?? null }, ReadResult);
    const reader = {
      user_id: result.user_id,
      unread_count: result.unread_count,
      last_read_message_number: result.last_read_message_number,
    };
    return {
      body: { conversation: personalise(result.conversation, result.unread_count, result.last_read_message_number) },
      events: [conversationUpdate(reader, result.conversation, 'read')],
      logFields: { chat_id, unread_count: result.unread_count, target_user_count: 1 },
    };
  },
};
