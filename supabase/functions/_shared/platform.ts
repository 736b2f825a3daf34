// Deno-only glue: the runtime of a deployed (or `functions serve`d) function, from its environment.
import { createBroadcaster } from './broadcast.ts';
import { createCoalescer } from './coalesce.ts';
import type { Runtime } from './chat-function.ts';
import { loadConfig } from './config.ts';
import { log } from './log.ts';

type EdgeRuntimeGlobal = { EdgeRuntime?: { waitUntil(promise: Promise<unknown>): void } };

export function platformRuntime(): Runtime {
  const config = loadConfig((name) => Deno.env.get(name));
  const edgeRuntime = (globalThis as EdgeRuntimeGlobal).EdgeRuntime;
  const broadcast = createBroadcaster({ config: config.broadcast, apiKey: config.secretKey, log });
  return {
    config,
    log,
    broadcast,
    coalesce: createCoalescer({ broadcast, windowMs: config.fanout.largeWindowMs }),
    waitUntil: edgeRuntime ? (promise) => edgeRuntime.waitUntil(promise) : undefined,
  };
}
