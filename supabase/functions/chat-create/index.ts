// Entry point for `supabase functions deploy chat-create`; the logic lives in handler.ts.
import { serveChatFunction } from '../_shared/chat-function.ts';
import { platformRuntime } from '../_shared/platform.ts';
import { chatCreate } from './handler.ts';

export default { fetch: serveChatFunction(chatCreate, platformRuntime()) };
