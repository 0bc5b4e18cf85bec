/**
 * Calls back with an element's content width in whole pixels whenever it changes (zero widths, as
 * while a tab is hidden, are skipped); returns the stop function. Charts size themselves with it.
 */
export function observeWidth(element: Element, onWidth: (width: number) => void): () => void {
  const observer = new ResizeObserver((entries) => {
    const measured = Math.floor(entries[0]?.contentRect.width ?? 0);
    if (measured > 0) onWidth(measured);
  });
  observer.observe(element);
  return () => observer.disconnect();
}
