// chat-leave: leave a conversation, or (the owner, the secret key) remove a member. The one who left
// gets the conversation as a DELETE (their inbox drops it); the others see the count change.
import type { ChatFunction } from '../_shared/chat-function.ts';
import { conversationUpdate } from '../_shared/events.ts';
import { parseBody } from '../_shared/http.ts';
import { LeaveResult } from '../_shared/rpc-results.ts';
import { callRpc } from '../_shared/rpc.ts';
import { LeaveBody } from '../_shared/contract/index.ts';

export const chatLeave: ChatFunction<LeaveBody> = {
  name: 'chat_leave',
  allowServer: true,
  parse: (body) => parseBody(LeaveBody, body),

  async run({ chat_id, user_id }, { client }) {
    const result = await callRpc(client, 'chat_leave', { chat_id, user_id: user_id ?? null }, LeaveResult);
    const leaver = { user_id: result.user_id, unread_count: 0 };
    return {
      body: { chat_id, user_id: result.user_id, reason: result.reason, conversation_deleted: result.conversation_deleted },
      events: [
        conversationUpdate(leaver, result.conversation, result.reason, 'DELETE'),
        ...result.recipients.map((r) => conversationUpdate(r, result.conversation, 'participant-left')),
      ],
      logFields: {
        chat_id,
        reason: result.reason,
        conversation_deleted: result.conversation_deleted,
        version: result.version,
        target_user_count: result.recipients.length + 1,
      },
    };
  },
};
