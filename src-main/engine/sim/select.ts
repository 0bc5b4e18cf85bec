/**
 * Partial top-k selection over a score row, skipping items a user already consumed (a bitset), so
 * ranking N items for a slate of K costs O(N log K) instead of a full sort.
 */

/** True when bit `item` is set in the bitset row that starts at word `base`. */
export function hasBit(bits: Uint32Array, base: number, item: number): boolean {
  return (bits[base + (item >>> 5)]! & (1 << (item & 31))) !== 0;
}

export function setBit(bits: Uint32Array, base: number, item: number): void {
  bits[base + (item >>> 5)]! |= 1 << (item & 31);
}

/** Number of set bits in a 32-bit word. */
export function popcount32(word: number): number {
  let v = word - ((word >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) & 0xff;
}

/**
 * Writes the indices of the `k` highest scores among items [0, count) that are not excluded into
 * `outItems`, best first, and returns how many were written (fewer than k when fewer are eligible).
 * Ties go to the lower item index, so the result does not depend on scan order quirks. NaN scores
 * rank last.
 *
 * @param scores [count] score per item
 * @param excluded bitset of excluded items, row starting at word `excludedBase` (null: none)
 * @param outItems receives up to k item indices
 * @param heapScores scratch of length >= k
 */
export function selectTopK(
  scores: Float32Array,
  count: number,
  k: number,
  excluded: Uint32Array | null,
  excludedBase: number,
  outItems: Int32Array,
  heapScores: Float32Array,
): number {
  if (k <= 0) return 0;
  // Min-heap on (score, -index): the root is the weakest of the current best k.
  let size = 0;
  for (let item = 0; item < count; item++) {
    let score = scores[item]!;
    // Once the heap is full, an item must beat its weakest entry; items come in increasing index
    // order, so an equal score loses the tie. This also skips NaN. Checked before the bitset
    // because it rejects most items.
    if (size === k && !(score > heapScores[0]!)) continue;
    if (excluded !== null && (excluded[excludedBase + (item >>> 5)]! & (1 << (item & 31))) !== 0) continue;
    if (score !== score) score = -Infinity;
    if (size < k) {
      // Sift up.
      let pos = size++;
      while (pos > 0) {
        const parent = (pos - 1) >> 1;
        if (!weaker(score, item, heapScores[parent]!, outItems[parent]!)) break;
        heapScores[pos] = heapScores[parent]!;
        outItems[pos] = outItems[parent]!;
        pos = parent;
      }
      heapScores[pos] = score;
      outItems[pos] = item;
    } else {
      siftDown(heapScores, outItems, size, score, item);
    }
  }
  // Heap-sort in place: repeatedly move the weakest to the end, giving best-first order.
  for (let end = size - 1; end > 0; end--) {
    const rootScore = heapScores[0]!;
    const rootItem = outItems[0]!;
    const lastScore = heapScores[end]!;
    const lastItem = outItems[end]!;
    heapScores[end] = rootScore;
    outItems[end] = rootItem;
    siftDown(heapScores, outItems, end, lastScore, lastItem);
  }
  return size;
}

/** Is (scoreA, itemA) ranked below (scoreB, itemB)? Lower score, or equal score and higher index. */
function weaker(scoreA: number, itemA: number, scoreB: number, itemB: number): boolean {
  return scoreA < scoreB || (scoreA === scoreB && itemA > itemB);
}

/** Places (score, item) at the root of a heap of `size` and sifts it down. */
function siftDown(heapScores: Float32Array, heapItems: Int32Array, size: number, score: number, item: number): void {
  let pos = 0;
  for (;;) {
    const left = 2 * pos + 1;
    if (left >= size) break;
    const right = left + 1;
    let child = left;
    if (right < size && weaker(heapScores[right]!, heapItems[right]!, heapScores[left]!, heapItems[left]!)) child = right;
    if (!weaker(heapScores[child]!, heapItems[child]!, score, item)) break;
    heapScores[pos] = heapScores[child]!;
    heapItems[pos] = heapItems[child]!;
    pos = child;
  }
  heapScores[pos] = score;
  heapItems[pos] = item;
}
