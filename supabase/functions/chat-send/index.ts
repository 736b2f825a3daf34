// Entry point for `supabase functions deploy chat-send`; the logic lives in handler.ts.
import { serveChatFunction } from '../_shared/chat-function.ts';
import { platformRuntime } from '../_shared/platform.ts';
import { chatSend } from './handler.ts';

export default { fetch: serveChatFunction(chatSend, platformRuntime()) };
