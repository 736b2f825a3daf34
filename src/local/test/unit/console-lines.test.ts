// The CLI's console: every call one JSON line, event lines as they are, lite's query dumps dropped.
import { describe, expect, it } from 'vitest';
import { consoleLine } from '../../cli/console-lines.ts';

describe('consoleLine', () => {
  it('passes an event line through unchanged', () => {
    const line = JSON.stringify({ event: 'chat_send_refused', status: 403 });
    expect(consoleLine('log', [line])).toBe(line);
  });

  it('drops a database error lite logs before throwing it on', () => {
    const error = Object.assign(new Error('not a participant of conversation x'), { severity: 'ERROR', code: '42501' });
    expect(consoleLine('error', [error])).toBeNull();
  });

  it('turns anything else into one event line, errors by name and message only', () => {
    const error = new Error('boom');
    const line = consoleLine('error', ['Introspection failed:', error])!;
    expect(line).not.toContain('\n');
    expect(JSON.parse(line)).toEqual({ event: 'console', level: 'error', message: 'Introspection failed: Error: boom' });
    expect(JSON.parse(consoleLine('warn', ['line one\n  line two'])!)).toEqual({ event: 'console', level: 'warn', message: 'line one line two' });
    expect(JSON.parse(consoleLine('log', ['{"not":"an event"}'])!)).toMatchObject({ event: 'console', message: '{"not":"an event"}' });
  });
});
