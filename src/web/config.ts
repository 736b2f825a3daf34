// Where the API is and who the demo users are. Built with VITE_SUPABASE_URL and
// VITE_SUPABASE_PUBLISHABLE_KEY the app talks to that project; otherwise it is served by the local
// stack (`npm start`), on the API's own origin, which answers /app-config.json with its key and
// /local/v1/demo-users with the seeded accounts.
import { createClient, type SupabaseClient } from '@supabase/supabase-js';

export interface DemoUser {
  email: string;
  password: string;
  name?: string;
}

export interface AppConfig {
  supabase: SupabaseClient;
  demoUsers: DemoUser[];
}

export async function loadConfig(): Promise<AppConfig> {
  const { VITE_SUPABASE_URL: url, VITE_SUPABASE_PUBLISHABLE_KEY: key } = import.meta.env;
  if (url && key) return { supabase: createClient(url, key), demoUsers: [] };
  const [config, demoUsers] = await Promise.all([fetch('/app-config.json'), fetchDemoUsers()]);
  if (!config.ok) throw new Error(`/app-config.json answered ${config.status}`);
  const { publishableKey } = (await config.json()) as { publishableKey: string };
  return { supabase: createClient(location.origin, publishableKey), demoUsers };
}

/** The local stack's seeded accounts; none where that endpoint does not exist. */
async function fetchDemoUsers(): Promise<DemoUser[]> {
  const response = await fetch('/local/v1/demo-users').catch(() => null);
  return response?.ok ? demoUsersFrom(await response.json().catch(() => null)) : [];
}

export function demoUsersFrom(body: unknown): DemoUser[] {
  const list: unknown = Array.isArray(body) ? body : (body as { users?: unknown } | null)?.users;
  if (!Array.isArray(list)) return [];
  return list.filter(
    (u): u is DemoUser => typeof u?.email === 'string' && typeof u?.password === 'string',
  );
}
