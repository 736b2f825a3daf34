// Entry point for `supabase functions deploy chat-settings`; the logic lives in handler.ts.
import { serveChatFunction } from '../_shared/chat-function.ts';
import { platformRuntime } from '../_shared/platform.ts';
import { chatSettings } from './handler.ts';

export default { fetch: serveChatFunction(chatSettings, platformRuntime()) };
