// chat-join: joins a public conversation (the shared /join/:chatId link). The joiner's inbox gets it
// as new; everyone already in it sees the participant count change at once.
import type { ChatFunction } from '../_shared/chat-function.ts';
import { conversationUpdate, personalise } from '../_shared/events.ts';
import { parseBody } from '../_shared/http.ts';
import { JoinResult } from '../_shared/rpc-results.ts';
import { callRpc } from '../_shared/rpc.ts';
import { JoinBody } from '../_shared/contract/index.ts';

export const chatJoin: ChatFunction<JoinBody> = {
  name: 'chat_join',
  allowServer: false,
  parse: (body) => parseBody(JoinBody, body),

  async run({ chat_id }, { client }) {
    const result = await callRpc(client, 'chat_join', { chat_id }, JoinResult);
    const joiner = result.recipients.find((r) => r.user_id === result.user_id);
    return {
      body: { conversation: personalise(result.conversation, joiner?.unread_count ?? 0, joiner?.last_read_message_number), joined: result.joined },
      events: result.joined
        ? result.recipients.map((r) =>
          conversationUpdate(r, result.conversation, 'participant-joined', r.user_id === result.user_id ? 'INSERT' : 'UPDATE')
        )
        : [],
      logFields: { chat_id, joined: result.joined, target_user_count: result.recipients.length },
    };
  },
};
