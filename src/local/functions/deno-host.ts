// Runs inside Deno: serves one edge function the way the Supabase edge runtime does. The function
// may call Deno.serve(handler) or `export default { fetch }`; either way the handler ends up on a
// loopback port the stack reads from the first line this prints. EdgeRuntime.waitUntil keeps
// background work (broadcasts after the response) alive and logs its failures.
type Handler = (request: Request) => Response | Promise<Response>;

const [entrypoint] = Deno.args;

// The stack holds our stdin open; EOF means it is gone, however it died (even SIGKILL), so go too.
(async () => {
  for await (const _ of Deno.stdin.readable) { /* nothing is ever sent */ }
  Deno.exit(0);
})();
let captured: Handler | undefined;

const realServe = Deno.serve.bind(Deno);
Object.defineProperty(Deno, 'serve', {
  value: (...args: unknown[]) => {
    captured = args.find((a): a is Handler => typeof a === 'function') ??
      (args[0] as { handler?: Handler } | undefined)?.handler;
    return { finished: new Promise(() => {}), ref() {}, unref() {}, shutdown: async () => {} };
  },
});

Object.defineProperty(globalThis, 'EdgeRuntime', {
  value: {
    waitUntil(promise: Promise<unknown>) {
      promise.catch((error) =>
        console.error(JSON.stringify({ event: 'edge_runtime_wait_until_rejected', error: String(error) }))
      );
    },
  },
});

const module = await import(new URL(entrypoint, `file://${Deno.cwd()}/`).href);
const handler = captured ?? (module.default?.fetch as Handler | undefined);
if (!handler) {
  console.error(JSON.stringify({ event: 'function_host_no_handler', entrypoint }));
  Deno.exit(1);
}

realServe({
  hostname: '127.0.0.1',
  port: 0,
  onListen: ({ port }) => console.log(JSON.stringify({ event: 'function_host_listening', port })),
}, handler);
