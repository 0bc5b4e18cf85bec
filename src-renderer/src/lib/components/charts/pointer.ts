/** Where a pointer event is, in pixels from the top-left of the element that listens (a plot's overlay). */
export function pointerIn(event: PointerEvent): { x: number; y: number } {
  const box = (event.currentTarget as Element).getBoundingClientRect();
  return { x: event.clientX - box.left, y: event.clientY - box.top };
}
