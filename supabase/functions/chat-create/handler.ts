// chat-create: a new conversation; every participant sees it appear in their inbox.
import type { ChatFunction } from '../_shared/chat-function.ts';
import { conversationUpdate, personalise } from '../_shared/events.ts';
import { parseBody } from '../_shared/http.ts';
import { CreateResult } from '../_shared/rpc-results.ts';
import { callRpc } from '../_shared/rpc.ts';
import { CreateBody } from '../_shared/contract/index.ts';

export const chatCreate: ChatFunction<CreateBody> = {
  name: 'chat_create',
  allowServer: false,
  parse: (body) => parseBody(CreateBody, body),

  async run(input, { client }) {
    const result = await callRpc(client, 'chat_create', {
      title: input.title ?? '',
      participant_ids: input.participant_ids ?? [],
      is_public: input.is_public ?? false,
      mode: input.mode ?? 'chat',
    }, CreateResult);
    return {
      body: { conversation: personalise(result.conversation, 0, 0) },
      events: result.recipients.map((r) => conversationUpdate(r, result.conversation, 'created', 'INSERT')),
      logFields: { chat_id: result.conversation.id, target_user_count: result.recipients.length },
    };
  },
};
