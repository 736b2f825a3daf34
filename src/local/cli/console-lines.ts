// `npm start` prints one JSON line per event. Libraries in the stack's process print for themselves
// (lite dumps every failed PGlite query with its stack, 17–33 lines; supabase-js warns about Node 20),
// so the CLI turns each console call into one line.
import { format } from 'node:util';

type Method = 'log' | 'info' | 'debug' | 'warn' | 'error';
const LEVEL: Record<Method, string> = { log: 'info', info: 'info', debug: 'debug', warn: 'warn', error: 'error' };

/**
 * lite logs a failed query, then throws it on to the request it belongs to; the caller answers with
 * the error and logs the outcome itself (`chat_send_refused`, `chat_send_failed`), so the dump adds
 * nothing but lines.
 */
const isQueryErrorLiteRethrows = (args: unknown[]) =>
  args.length === 1 && args[0] instanceof Error && typeof (args[0] as { severity?: unknown }).severity === 'string';

const isEventLine = (text: string) => {
  if (!text.startsWith('{') || text.includes('\n')) return false;
  try {
    return typeof JSON.parse(text).event === 'string';
  } catch {
    return false;
  }
};

const describe = (arg: unknown) => (arg instanceof Error ? `${arg.name}: ${arg.message}` : arg);

/** The line to print for one console call, or null for none. */
export function consoleLine(method: Method, args: unknown[]): string | null {
  if (args.length === 1 && typeof args[0] === 'string' && isEventLine(args[0])) return args[0];
  if (isQueryErrorLiteRethrows(args)) return null;
  const message = format(...args.map(describe)).trim().replace(/\s*\n\s*/g, ' ');
  return JSON.stringify({ event: 'console', level: LEVEL[method], message });
}

export function writeConsoleAsJsonLines(): void {
  for (const method of Object.keys(LEVEL) as Method[]) {
    const stream = method === 'warn' || method === 'error' ? process.stderr : process.stdout;
    console[method] = (...args: unknown[]) => {
      const line = consoleLine(method, args);
      if (line !== null) stream.write(`${line}\n`);
    };
  }
}
