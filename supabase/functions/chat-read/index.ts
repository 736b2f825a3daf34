// Entry point for `supabase functions deploy chat-read`; the logic lives in handler.ts.
import { serveChatFunction } from '../_shared/chat-function.ts';
import { platformRuntime } from '../_shared/platform.ts';
import { chatRead } from './handler.ts';

export default { fetch: serveChatFunction(chatRead, platformRuntime()) };
