// Entry point for `supabase functions deploy chat-join`; the logic lives in handler.ts.
import { serveChatFunction } from '../_shared/chat-function.ts';
import { platformRuntime } from '../_shared/platform.ts';
import { chatJoin } from './handler.ts';

export default { fetch: serveChatFunction(chatJoin, platformRuntime()) };
