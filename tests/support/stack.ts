// End-to-end plumbing: a target (the local stack by default, or a real `supabase start` +
// `supabase functions serve` when SUPABASE_URL and keys are in the environment), users signed up
// through the real auth API, and raw listeners on their inbox channels.
import { randomUUID } from 'node:crypto';
import { createClient, type SupabaseClient } from '@supabase/supabase-js';
import WebSocket from 'ws';
import { startLocalStack, type LocalStack, type LocalStackOptions, type StackLogEntry } from 'supabase-realtime-inbox-local';
import { createEmptyPostgresDatabase } from './db.ts';
import { signJwt } from './jwt.ts';
import { waitFor } from './wait.ts';

export { waitFor };

export interface Target {
  url: string;
  publishableKey: string;
  secretKey: string;
  jwtSecret: string;
  /** Present when the target is a local stack this process started. */
  stack?: LocalStack;
  logs: StackLogEntry[];
  stop(): Promise<void>;
}

export interface LocalTargetOptions extends Omit<LocalStackOptions, 'port' | 'databaseUrl' | 'onLog'> {
  engine?: 'pglite' | 'postgres';
}

/** Always a local stack (for tests that need its logs or to take Realtime down). */
export async function startLocalTarget(options: LocalTargetOptions = {}): Promise<Target & { stack: LocalStack }> {
  const database = options.engine === 'postgres' ? await createEmptyPostgresDatabase() : undefined;
  const logs: StackLogEntry[] = [];
  const stack = await startLocalStack({ ...options, port: 0, databaseUrl: database?.url, onLog: (entry) => logs.push(entry) });
  return {
    url: stack.url,
    publishableKey: stack.keys.publishableKey,
    secretKey: stack.keys.secretKey,
    jwtSecret: stack.keys.jwtSecret,
    stack,
    logs,
    async stop() {
      await stack.stop();
      await database?.drop();
    },
  };
}

/** The target named by the environment, or a local stack. */
export async function startTarget(options: LocalTargetOptions = {}): Promise<Target> {
  const { SUPABASE_URL, SUPABASE_PUBLISHABLE_KEY, SUPABASE_SECRET_KEY, SUPABASE_JWT_SECRET } = process.env;
  if (!SUPABASE_URL) return startLocalTarget(options);
  if (!SUPABASE_PUBLISHABLE_KEY || !SUPABASE_SECRET_KEY || !SUPABASE_JWT_SECRET) {
    throw new Error('with SUPABASE_URL set, also set SUPABASE_PUBLISHABLE_KEY, SUPABASE_SECRET_KEY and SUPABASE_JWT_SECRET');
  }
  return {
    url: SUPABASE_URL,
    publishableKey: SUPABASE_PUBLISHABLE_KEY,
    secretKey: SUPABASE_SECRET_KEY,
    jwtSecret: SUPABASE_JWT_SECRET,
    logs: [],
    stop: async () => {},
  };
}

/** supabase-js as a browser would configure it, on Node 20 (which needs the ws transport). */
export function newClient(target: Pick<Target, 'url' | 'publishableKey'>, key = target.publishableKey, options: ClientOptions = {}): SupabaseClient {
  return createClient(target.url, key, {
    auth: { persistSession: false, autoRefreshToken: false },
    realtime: { transport: WebSocket as never },
    ...(options.fetch ? { global: { fetch: options.fetch } } : {}),
  });
}

export interface ClientOptions {
  /** The fetch the client's HTTP requests go through (a lossy network, say). */
  fetch?: typeof fetch;
}

export interface TestUser {
  id: string;
  email: string;
  token: string;
  client: SupabaseClient;
}

export const PASSWORD = 'correct horse battery staple';

export async function signUp(target: Target, name = 'user', options: ClientOptions = {}): Promise<TestUser> {
  const client = newClient(target, target.publishableKey, options);
  const email = `${name}-${randomUUID().slice(0, 8)}@example.test`;
  const { data, error } = await client.auth.signUp({ email, password: PASSWORD });
  if (error || !data.session || !data.user) throw new Error(`sign-up of ${email} failed: ${error?.message ?? 'no session'}`);
  return { id: data.user.id, email, token: data.session.access_token, client };
}

/** The same user on another device: a second client with its own session. */
export async function signIn(target: Target, user: TestUser, options: ClientOptions = {}): Promise<TestUser> {
  const client = newClient(target, target.publishableKey, options);
  const { data, error } = await client.auth.signInWithPassword({ email: user.email, password: PASSWORD });
  if (error || !data.session) throw new Error(`sign-in of ${user.email} failed: ${error?.message ?? 'no session'}`);
  return { ...user, token: data.session.access_token, client };
}

/** A JWT for `sub`, signed with the project secret, that expired a minute ago. */
export const expiredToken = (target: Target, sub: string) => signJwt(sub, { secret: target.jwtSecret, ttlSeconds: -60 });

export interface InboxEvent {
  event: string;
  payload: Record<string, any>;
}

/** Every broadcast on the user's private inbox channel, in arrival order. */
export async function listenToInbox(user: TestUser) {
  const events: InboxEvent[] = [];
  await user.client.realtime.setAuth(user.token);
  const channel = user.client
    .channel(`user-realtime:${user.id}`, { config: { private: true } })
    .on('broadcast', { event: '*' }, (message) => events.push({ event: message.event, payload: message.payload }));
  await new Promise<void>((resolve, reject) => {
    channel.subscribe((status, error) => {
      if (status === 'SUBSCRIBED') resolve();
      if (status === 'CHANNEL_ERROR' || status === 'TIMED_OUT') reject(error ?? new Error(status));
    });
  });
  return {
    events,
    /** Waits until an event matching the predicate has arrived, and returns it. */
    next: (predicate: (e: InboxEvent) => boolean, what = 'event') =>
      waitFor(() => events.find(predicate), `${user.email} to receive ${what}`),
    close: () => user.client.removeChannel(channel),
  };
}

/**
 * Signs up one user per name, all at once, then subscribes each to their inbox channel in turn
 * (in the order given), as the end-to-end suites set up their cast.
 */
export async function signUpListening<Name extends string>(
  target: Target,
  names: readonly Name[],
): Promise<{ users: Record<Name, TestUser>; inbox: Record<Name, Awaited<ReturnType<typeof listenToInbox>>> }> {
  const signedUp = await Promise.all(names.map((name) => signUp(target, name)));
  const users = Object.fromEntries(names.map((name, i) => [name, signedUp[i]])) as Record<Name, TestUser>;
  const inbox = {} as Record<Name, Awaited<ReturnType<typeof listenToInbox>>>;
  for (const name of names) inbox[name] = await listenToInbox(users[name]);
  return { users, inbox };
}

/** Calls a function over plain HTTP, as any frontend or server would. */
export async function callFunction(
  target: Target,
  name: string,
  body: unknown,
  headers: Record<string, string> = {},
  method = 'POST',
): Promise<{ status: number; body: any }> {
  const response = await fetch(`${target.url}/functions/v1/${name}`, {
    method,
    headers: { 'content-type': 'application/json', ...headers },
    body: method === 'POST' ? (typeof body === 'string' ? body : JSON.stringify(body)) : undefined,
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

export const asUser = (target: Target, user: TestUser) => ({ apikey: target.publishableKey, authorization: `Bearer ${user.token}` });
export const asServer = (target: Target) => ({ apikey: target.secretKey });
