// Nothing `npm start` started may outlive it. npm runs the script as `sh -c "… tsx src/local/main.ts"`
// and passes SIGTERM to that shell, which dies without passing it on; npm then exits, and tsx, this
// process and the functions' Deno processes would keep serving the port. So besides the signals,
// watch the processes between npm and us (the ancestors that carry npm's script environment) and
// stop as soon as one of them is gone.
import { readFileSync } from 'node:fs';

const POLL_MS = 250;

export function parentOf(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may itself contain spaces.
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return null;
  }
}

function runsNpmScript(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').some((entry) => entry.startsWith('npm_lifecycle_event='));
  } catch {
    return false;
  }
}

/**
 * The ancestors started for the npm script we run in (Linux: read from /proc; elsewhere none, and
 * only the signals stop the stack). A stack started some other way watches nothing.
 */
export function scriptAncestors(): number[] {
  if (!process.env.npm_lifecycle_event) return [];
  const pids: number[] = [];
  for (let pid = process.ppid; pid > 1 && runsNpmScript(pid); pid = parentOf(pid) ?? 0) pids.push(pid);
  return pids;
}

export const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** Runs stop once, on SIGINT, SIGTERM or SIGHUP, or when a script ancestor is gone; then exits. */
export function stopWithTheCommand(stop: () => Promise<void>, log: (entry: { event: string; [k: string]: unknown }) => void): void {
  let stopping = false;
  const shutDown = async (why: string) => {
    if (stopping) return;
    stopping = true;
    log({ event: 'local_stack_stopping', why });
    await stop();
    process.exit(0);
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => void shutDown(signal));
  const watched = scriptAncestors();
  if (watched.length === 0) return;
  setInterval(() => {
    const gone = watched.find((pid) => !isAlive(pid));
    if (gone !== undefined) void shutDown(`process ${gone} that ran npm start exited`);
  }, POLL_MS).unref();
}
