// Entry point for `supabase functions deploy chat-leave`; the logic lives in handler.ts.
import { serveChatFunction } from '../_shared/chat-function.ts';
import { platformRuntime } from '../_shared/platform.ts';
import { chatLeave } from './handler.ts';

export default { fetch: serveChatFunction(chatLeave, platformRuntime()) };
