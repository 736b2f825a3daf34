// chat-read as deployed: {chat_id, up_to_number?} reads one conversation (handler.ts); {all: true}
// reads every conversation of the caller in one RPC and tells the caller's other tabs and devices
// with one conversations-read event per READ_ALL_EVENT_SIZE conversations, instead of one
// conversation-update each (hundreds of unread conversations would be hundreds of Realtime messages).
import type { ChatFunction } from '../_shared/chat-function.ts';
import { readAllEvents } from '../_shared/events.ts';
import { parseBody } from '../_shared/http.ts';
import { ReadAllResult } from '../_shared/rpc-results.ts';
import { callRpc } from '../_shared/rpc.ts';
import { ReadAllBody, type ReadBody } from '../_shared/contract/index.ts';
import { chatRead } from './handler.ts';

export type ReadRequest = { all: true } | { one: ReadBody };

const asksForAll = (body: unknown) => typeof body === 'object' && body !== null && 'all' in body;

export const chatReadOrAll: ChatFunction<ReadRequest> = {
  name: chatRead.name,
  allowServer: chatRead.allowServer,
  parse: (body, caller) => asksForAll(body) ? parseBody(ReadAllBody, body) : { one: chatRead.parse(body, caller) },

  async run(input, context) {
    if ('one' in input) return chatRead.run(input.one, context);
    const result = await callRpc(context.client, 'chat_read_all', {}, ReadAllResult);
    return {
      body: { conversations: result.conversations },
      events: readAllEvents(result.user_id, result.conversations),
      logFields: { all: true, conversation_count: result.conversations.length, target_user_count: 1 },
    };
  },
};
