// chat-delete: turns a message into a tombstone; every participant gets message-delete. Deleting
// again changes nothing but broadcasts the tombstone again, which repairs a lost broadcast.
import type { ChatFunction } from '../_shared/chat-function.ts';
import { messageChangeEvents } from '../_shared/events.ts';
import { parseBody } from '../_shared/http.ts';
import { MessageChangeResult } from '../_shared/rpc-results.ts';
import { callRpc } from '../_shared/rpc.ts';
import { CHANGE_EVENT, DeleteBody } from '../_shared/contract/index.ts';

export const chatDelete: ChatFunction<DeleteBody> = {
  name: 'chat_delete',
  allowServer: true,
  parse: (body) => parseBody(DeleteBody, body),

  async run({ chat_id, message_id }, { client }) {
    const result = await callRpc(client, 'chat_delete', { chat_id, message_id }, MessageChangeResult);
    const payload = { chat_id, message: result.message, version: result.version };
    return {
      body: { message: result.message, version: result.version },
      events: messageChangeEvents(CHANGE_EVENT.messageDelete, result.recipients, payload),
      logFields: { chat_id, message_id, deleted: result.deleted, version: result.version, target_user_count: result.recipients.length },
    };
  },
};
