// Entry point for `supabase functions deploy chat-delete`; the logic lives in handler.ts.
import { serveChatFunction } from '../_shared/chat-function.ts';
import { platformRuntime } from '../_shared/platform.ts';
import { chatDelete } from './handler.ts';

export default { fetch: serveChatFunction(chatDelete, platformRuntime()) };
