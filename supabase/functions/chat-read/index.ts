// Entry point for `supabase functions deploy chat-read`; the logic lives in handler.ts and read-all.ts.
import { serveChatFunction } from '../_shared/chat-function.ts';
import { platformRuntime } from '../_shared/platform.ts';
import { chatReadOrAll } from './read-all.ts';

export default { fetch: serveChatFunction(chatReadOrAll, platformRuntime()) };
