import type { StackKeys } from '../keys.ts';
import type { FunctionLogLine } from './runner.ts';

/** What `supabase functions serve` injects into every function. */
export function cliEnvironment(url: string, keys: StackKeys, dbUrl?: string): Record<string, string> {
  return {
    SUPABASE_URL: url,
    SUPABASE_ANON_KEY: keys.anonKey,
    SUPABASE_SERVICE_ROLE_KEY: keys.serviceRoleKey,
    SUPABASE_PUBLISHABLE_KEYS: JSON.stringify({ default: keys.publishableKey }),
    SUPABASE_SECRET_KEYS: JSON.stringify({ default: keys.secretKey }),
    ...(dbUrl ? { SUPABASE_DB_URL: dbUrl } : {}),
  };
}

/** A function's JSON line keeps its own event name; anything else it prints becomes `function_output`. */
export function functionLogEntry(line: FunctionLogLine): { event: string; [field: string]: unknown } {
  return line.json
    ? { ...line.json, event: String(line.json.event ?? 'function_log'), function: line.function }
    : { event: 'function_output', function: line.function, stream: line.stream, line: line.line };
}
