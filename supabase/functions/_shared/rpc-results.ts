// What the write RPCs return (function ↔ database contract; see the chat_rpcs migration).
import { z } from 'zod';
import { ConversationSummary, Message } from './contract/index.ts';

export const Recipient = z.object({
  user_id: z.uuid(),
  unread_count: z.number().int().nonnegative(),
  last_read_message_number: z.number().int().nonnegative().optional(),
});
export type Recipient = z.infer<typeof Recipient>;

/** A summary before personalisation: every recipient gets their own unread_count and read mark added. */
export const SharedSummary = ConversationSummary.omit({ unread_count: true, last_read_message_number: true });
export type SharedSummary = z.infer<typeof SharedSummary>;

export const SendResult = z.object({
  messages: z.array(Message),
  inserted_count: z.number().int().nonnegative(),
  conversation: SharedSummary,
  recipients: z.array(Recipient),
});

/** user_id is the caller: the creator, or the joiner. */
export const CreateResult = z.object({ user_id: z.uuid(), conversation: SharedSummary, recipients: z.array(Recipient) });
export const JoinResult = CreateResult.extend({ joined: z.boolean() });
export const ReadResult = z.object({
  user_id: z.uuid(),
  unread_count: z.number().int().nonnegative(),
  last_read_message_number: z.number().int().nonnegative().optional(),
  conversation: SharedSummary,
});
