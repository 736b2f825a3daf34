// Benchmark clients in their own processes (bench/client-worker.ts), so that neither the subscribers'
// decoding nor the senders' requests run on the stack's event loop.
import { type ChildProcess, fork } from 'node:child_process';
import { join } from 'node:path';
import { resolveProjectDir } from 'supabase-realtime-inbox-local';

/** 'liteFloor': the floor storing through lite as the sender (bench/floor-send's `as_user`). */
export type SendDesign = 'ours' | 'seed' | 'floor' | 'liteFloor';
export interface Target {
  url: string;
  publishableKey: string;
}
export interface User {
  id: string;
  token: string;
}

export type ClientRequest =
  | { cmd: 'subscribe'; target: Target; users: User[]; private: boolean }
  | { cmd: 'send'; target: Target; design: SendDesign; sender: User; chatId: string; text: string; recipients: string[] }
  | { cmd: 'wait'; messageId: string; count: number; timeoutMs: number }
  | { cmd: 'blast'; target: Target; design: SendDesign; senders: User[]; chatId: string; seconds: number; recipients: string[] }
  | { cmd: 'drain'; ids: string[]; userIds: string[]; timeoutMs: number }
  | { cmd: 'close' };

export interface Sent {
  id: string;
  /** Epoch ms (sub-ms resolution), comparable across processes. */
  started: number;
  answered: number;
}

export interface ClientProcess {
  subscribe(users: User[], isPrivate: boolean): Promise<void>;
  send(design: SendDesign, sender: User, chatId: string, text: string, recipients?: string[]): Promise<Sent>;
  /** The time the count-th participant got the message (epoch ms). */
  waitFor(messageId: string, count: number, timeoutMs?: number): Promise<number>;
  blast(design: SendDesign, senders: User[], chatId: string, seconds: number, recipients?: string[]): Promise<{
    started: number;
    deadline: number;
    finished: number;
    sends: { id: string; answered: number }[];
  }>;
  drain(ids: string[], userIds: string[], timeoutMs?: number): Promise<{ missing: number; duplicates: number; drainMs: number }>;
  close(): Promise<void>;
}

export async function startClientProcess(target: Target): Promise<ClientProcess> {
  const child: ChildProcess = fork(join(resolveProjectDir(), 'bench', 'client-worker.ts'), [], {
    // A thousand participants are two thousand supabase-js clients in one process.
    execArgv: ['--import', 'tsx', '--max-old-space-size=8192'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  let nextId = 0;
  await new Promise<void>((resolve, reject) => {
    child.once('message', () => resolve());
    child.once('exit', (code) => reject(new Error(`bench client process exited (${code}) before it was ready`)));
  });
  child.on('message', (message: { id: number; result?: unknown; error?: string }) => {
    const waiter = pending.get(message.id);
    pending.delete(message.id);
    if (message.error !== undefined) waiter?.reject(new Error(message.error));
    else waiter?.resolve(message.result);
  });
  child.on('exit', () => {
    for (const waiter of pending.values()) waiter.reject(new Error('bench client process exited'));
    pending.clear();
  });
  const request = <T>(req: ClientRequest) =>
    new Promise<T>((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      child.send({ id, request: req });
    });
  return {
    subscribe: (users, isPrivate) => request({ cmd: 'subscribe', target, users, private: isPrivate }),
    send: (design, sender, chatId, text, recipients = []) => request({ cmd: 'send', target, design, sender, chatId, text, recipients }),
    waitFor: async (messageId, count, timeoutMs = 60_000) => (await request<{ last: number }>({ cmd: 'wait', messageId, count, timeoutMs })).last,
    blast: (design, senders, chatId, seconds, recipients = []) => request({ cmd: 'blast', target, design, senders, chatId, seconds, recipients }),
    drain: (ids, userIds, timeoutMs = 60_000) => request({ cmd: 'drain', ids, userIds, timeoutMs }),
    async close() {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      await request({ cmd: 'close' }).catch(() => {});
      await exited;
    },
  };
}
