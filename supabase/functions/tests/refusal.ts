// The HttpError a synchronous call throws, for the tests of handlers' body parsing.
import { HttpError } from '../_shared/http.ts';

/** Runs fn and returns the HttpError it throws; any other error is rethrown, and no error fails. */
export function refusal(fn: () => unknown): HttpError {
  try {
    fn();
  } catch (error) {
    if (error instanceof HttpError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}
