// Structured logs: one JSON object per line with an `event` name, as the platform's log explorer expects.
export type LogFields = Record<string, unknown>;
export type Logger = (event: string, fields?: LogFields) => void;

export const log: Logger = (event, fields = {}) => {
  console.log(JSON.stringify({ event, ...fields }));
};
