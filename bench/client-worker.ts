// A process of benchmark clients, off the stack's event loop (bench/clients.ts starts and drives it
// over IPC): real supabase-js subscribers that note when each message-insert arrives, and senders
// that call the send functions. Times are epoch milliseconds at sub-millisecond resolution, so the
// parent can compare them across processes on this machine.
import { createClient, type SupabaseClient } from '@supabase/supabase-js';
import WebSocket from 'ws';
import type { ClientRequest, SendDesign, Target, User } from './clients.ts';
import { joinInbox, joinInSlices } from './inbox-channel.ts';

const now = () => performance.timeOrigin + performance.now();
const clients: SupabaseClient[] = [];
/** message id → user id → deliveries. */
const arrivals = new Map<string, Map<string, number>>();
const lastArrival = new Map<string, number>();
const onArrival = new Set<() => void>();

function clientFor(target: Target, user: User): SupabaseClient {
  return createClient(target.url, target.publishableKey, {
    accessToken: async () => user.token,
    realtime: { transport: WebSocket as never },
  });
}

async function subscribe(target: Target, users: User[], isPrivate: boolean): Promise<void> {
  const join = async (user: User) => {
    const client = clientFor(target, user);
    clients.push(client);
    await joinInbox(client, user.id, isPrivate, (payload) => {
      const id = String(payload.message.id);
      let users = arrivals.get(id);
      if (!users) arrivals.set(id, (users = new Map()));
      users.set(user.id, (users.get(user.id) ?? 0) + 1);
      lastArrival.set(id, now());
      for (const listener of onArrival) listener();
    });
  };
  await joinInSlices(users, join);
}

const FUNCTION: Record<SendDesign, string> = { ours: 'chat-send', seed: 'seed-chat-send', floor: 'floor-send', liteFloor: 'floor-send' };

async function send(target: Target, design: SendDesign, sender: User, chatId: string, text: string, recipients: string[]) {
  // Ours sends as InboxStore.send does: with a client_msg_id, which chat_send looks for.
  const body = design === 'ours'
    ? { chat_id: chatId, text, client_msg_id: crypto.randomUUID() }
    : design === 'seed'
    ? { chat_id: chatId, text, user_id: sender.id }
    : { chat_id: chatId, text, recipients, as_user: design === 'liteFloor' };
  const started = now();
  const response = await fetch(`${target.url}/functions/v1/${FUNCTION[design]}`, {
    method: 'POST',
    headers: { apikey: target.publishableKey, authorization: `Bearer ${sender.token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const json = await response.json();
  const answered = now();
  if (!response.ok) throw new Error(`${FUNCTION[design]} answered ${response.status}: ${JSON.stringify(json)}`);
  const id = design === 'ours' ? json.messages[0].id : design === 'seed' ? json.data.id : json.id;
  return { id: String(id), started, answered };
}

/** Resolves once check() holds or the time is up; re-checked on every arrival. */
function until(check: () => boolean, timeoutMs: number): Promise<boolean> {
  if (check()) return Promise.resolve(true);
  return new Promise((resolve) => {
    const done = (result: boolean) => {
      clearTimeout(timer);
      onArrival.delete(listener);
      resolve(result);
    };
    const listener = () => check() && done(true);
    const timer = setTimeout(() => done(check()), timeoutMs);
    onArrival.add(listener);
  });
}

function missingAndDuplicates(ids: string[], userIds: string[]) {
  let missing = 0;
  let duplicates = 0;
  for (const id of ids) {
    const users = arrivals.get(id);
    for (const user of userIds) {
      const n = users?.get(user) ?? 0;
      if (n === 0) missing++;
      if (n > 1) duplicates++;
    }
  }
  return { missing, duplicates };
}

async function handle(request: ClientRequest): Promise<unknown> {
  switch (request.cmd) {
    case 'subscribe':
      return subscribe(request.target, request.users, request.private);
    case 'send':
      return send(request.target, request.design, request.sender, request.chatId, request.text, request.recipients);
    case 'wait': {
      const reached = await until(() => (arrivals.get(request.messageId)?.size ?? 0) >= request.count, request.timeoutMs);
      if (!reached) throw new Error(`message ${request.messageId} reached ${arrivals.get(request.messageId)?.size ?? 0}/${request.count}`);
      return { last: lastArrival.get(request.messageId)! };
    }
    case 'blast': {
      const started = now();
      const deadline = started + request.seconds * 1000;
      const sends: { id: string; answered: number }[] = [];
      await Promise.all(request.senders.map(async (sender, s) => {
        for (let i = 0; now() < deadline; i++) {
          const { id, answered } = await send(request.target, request.design, sender, request.chatId, `s${s}-${i}`, request.recipients);
          sends.push({ id, answered });
        }
      }));
      return { started, deadline, finished: now(), sends };
    }
    case 'drain': {
      const started = now();
      await until(() => missingAndDuplicates(request.ids, request.userIds).missing === 0, request.timeoutMs);
      return { ...missingAndDuplicates(request.ids, request.userIds), drainMs: now() - started };
    }
    case 'close':
      await Promise.all(clients.map((client) => client.removeAllChannels()));
      for (const client of clients) client.realtime.disconnect();
      setImmediate(() => process.exit(0));
      return null;
  }
}

process.on('message', (message: { id: number; request: ClientRequest }) => {
  handle(message.request).then(
    (result) => process.send!({ id: message.id, result }),
    (error) => process.send!({ id: message.id, error: String((error as Error)?.message ?? error) }),
  );
});
process.send!({ ready: true });
