// Entry point for `supabase functions deploy chat-edit`; the logic lives in handler.ts.
import { serveChatFunction } from '../_shared/chat-function.ts';
import { platformRuntime } from '../_shared/platform.ts';
import { chatEdit } from './handler.ts';

export default { fetch: serveChatFunction(chatEdit, platformRuntime()) };
