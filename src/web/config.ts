// Where the API is and who the demo users are. Built with VITE_SUPABASE_URL and
// VITE_SUPABASE_PUBLISHABLE_KEY the app talks to that project; otherwise it is served by the local
// stack (`npm start`), on the API's own origin, which answers /app-config.json with its key.
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
  const response = await fetch('/app-config.json');
  if (!response.ok) throw new Error(`/app-config.json answered ${response.status}`);
  const config = (await response.json()) as { publishableKey: string; demoUsers: DemoUser[] };
  return { supabase: createClient(location.origin, config.publishableKey), demoUsers: config.demoUsers };
}
