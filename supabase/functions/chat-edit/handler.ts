// chat-edit: replaces a message's text (and meta); every participant gets message-update.
import type { ChatFunction } from '../_shared/chat-function.ts';
import { messageChangeEvents } from '../_shared/events.ts';
import { parseBody } from '../_shared/http.ts';
import { MessageChangeResult } from '../_shared/rpc-results.ts';
import { callRpc } from '../_shared/rpc.ts';
import { CHANGE_EVENT, EditBody } from '../_shared/contract/index.ts';

export const chatEdit: ChatFunction<EditBody> = {
  name: 'chat_edit',
  allowServer: true,
  parse: (body) => parseBody(EditBody, body),

  async run({ chat_id, message_id, text, meta }, { client }) {
    const result = await callRpc(client, 'chat_edit', { chat_id, message_id, text, meta: meta ?? null }, MessageChangeResult);
    const payload = { chat_id, message: result.message, version: result.version };
    return {
      body: { message: result.message, version: result.version },
      events: messageChangeEvents(CHANGE_EVENT.messageUpdate, result.recipients, payload),
      logFields: { chat_id, message_id, version: result.version, target_user_count: result.recipients.length },
    };
  },
};
