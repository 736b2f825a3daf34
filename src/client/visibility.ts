// Page visibility, for pausing the inbox channel of a tab nobody looks at. Browsers only: where there
// is no `document` (Node, workers) watching is a no-op.

/**
 * Calls `onHidden` once the page has stayed hidden for `hiddenMs`, and `onShown` whenever it is shown or
 * focused again. Returns a function that stops watching.
 */
export function watchPageVisibility(hiddenMs: number, onHidden: () => void, onShown: () => void): () => void {
  if (typeof document === 'undefined') return () => {};
  let timer: ReturnType<typeof setTimeout> | undefined;
  const update = () => {
    clearTimeout(timer);
    timer = undefined;
    if (document.visibilityState === 'hidden') timer = setTimeout(onHidden, hiddenMs);
    else onShown();
  };
  document.addEventListener('visibilitychange', update);
  window.addEventListener('focus', update);
  return () => {
    clearTimeout(timer);
    document.removeEventListener('visibilitychange', update);
    window.removeEventListener('focus', update);
  };
}
