/** What a refused or failed request says, for the user to read. */
export const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e));
