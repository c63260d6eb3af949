/**
 * The byte-pair merge of one pre-tokenized piece, counted: repeatedly merge the adjacent pair of parts
 * with the lowest rank (the leftmost among equals) until no pair is a token. Short pieces use a plain
 * scan for the lowest pair, as the reference encoder does; long ones (a minified blob, one character
 * repeated, a URL without separators) use a priority queue over a linked list of parts, O(n log n)
 * instead of O(n^2), with the same order of merges and so the same result.
 */
import { MergeQueue } from './merge-queue.js';
import { partId, type RankTable } from './rank-table.js';

/** Pieces of at least this many bytes merge through the priority queue (cheaper set-up below). */
export const HEAP_MERGE_FROM_BYTES = 48;

/**
 * The number of tokens the merge leaves for one piece.
 * @param bytes the piece's UTF-8 bytes, one char per byte
 * @param table the rank table of the encoding
 * @param heapFrom pieces of at least this many bytes use the priority queue (tests set it to compare)
 */
export function mergedTokenCount(
  bytes: string,
  table: RankTable,
  heapFrom: number = HEAP_MERGE_FROM_BYTES,
): number {
  if (bytes.length < 2) return bytes.length;
  return bytes.length < heapFrom ? scanMerge(bytes, table) : queueMerge(bytes, table);
}

/** Scratch of `scanMerge`: part starts and pair ranks, reused (counting is synchronous). */
let scanStarts = new Int32Array(HEAP_MERGE_FROM_BYTES + 1);
let scanRanks = new Float64Array(HEAP_MERGE_FROM_BYTES + 1);

/** The reference encoder's merge: a linear scan for the lowest pair per merge. */
function scanMerge(bytes: string, table: RankTable): number {
  if (bytes.length >= scanStarts.length) {
    scanStarts = new Int32Array(bytes.length + 1);
    scanRanks = new Float64Array(bytes.length + 1);
  }
  const starts = scanStarts;
  const ranks = scanRanks;
  let parts = bytes.length;
  for (let i = 0; i <= parts; i++) starts[i] = i;
  // ranks[i] is the rank of parts i and i + 1 together: bytes [starts[i], starts[i + 2]).
  for (let i = 0; i + 1 < parts; i++) ranks[i] = table.rank(bytes, i, i + 2);
  while (parts > 1) {
    let lowest = Infinity;
    let at = -1;
    for (let i = 0; i + 1 < parts; i++) {
      const rank = ranks[i] as number;
      if (rank < lowest) {
        lowest = rank;
        at = i;
      }
    }
    if (at < 0) break;
    // Part at + 1 joins part at: drop its start and the rank of the pair they formed.
    starts.copyWithin(at + 1, at + 2, parts + 1);
    ranks.copyWithin(at, at + 1, parts - 1);
    parts--;
    if (at + 1 < parts) ranks[at] = table.rank(bytes, starts[at] as number, starts[at + 2] as number);
    if (at > 0) ranks[at - 1] = table.rank(bytes, starts[at - 1] as number, starts[at + 1] as number);
  }
  return parts;
}

/** `pairRank` of a pair that is no token. */
const NO_TOKEN = 0x7fffffff;
/** `pairRank` of a part absorbed by its left neighbour. */
const ABSORBED = -1;

/** One queue per table, reused piece after piece (counting is synchronous). */
const queues = new WeakMap<RankTable, MergeQueue>();

/**
 * The same merges in O(n log n): parts are a linked list by start offset, and every pair with a rank
 * waits in a queue keyed by (rank, start). A popped pair is stale when its left part was absorbed or
 * its rank changed since it was queued; the current rank of each pair is kept to tell. Every part is
 * a token, so a pair's rank is looked up by the two parts' identities.
 */
function queueMerge(bytes: string, table: RankTable): number {
  const n = bytes.length;
  // One record of four numbers per part start, side by side for locality:
  // the next part's start, the previous part's start, the part's identity, the rank of its pair.
  const parts = new Int32Array(4 * n);
  let queue = queues.get(table);
  if (!queue) {
    queue = new MergeQueue(table.rankCount);
    queues.set(table, queue);
  }
  queue.reset();
  for (let i = 0; i < n; i++) {
    parts[4 * i] = i + 1;
    parts[4 * i + 1] = i - 1;
    parts[4 * i + 2] = table.bytePart[bytes.charCodeAt(i)] as number;
  }
  for (let i = 0; i < n; i++) setPair(parts, i, n, bytes, table, queue);

  let count = n;
  for (let left = queue.pop(); left >= 0; left = queue.pop()) {
    const rank = queue.rank;
    if (parts[4 * left + 3] !== rank) continue;
    const right = parts[4 * left] as number;
    const after = parts[4 * right] as number;
    parts[4 * left] = after;
    if (after < n) parts[4 * after + 1] = left;
    parts[4 * right + 3] = ABSORBED;
    parts[4 * left + 2] = partId(rank, after - left);
    count--;
    setPair(parts, left, n, bytes, table, queue);
    if (left > 0) setPair(parts, parts[4 * left + 1] as number, n, bytes, table, queue);
  }
  return count;
}

/** Records and queues the pair that starts at part `left` (none when its part is the last). */
function setPair(
  parts: Int32Array,
  left: number,
  n: number,
  bytes: string,
  table: RankTable,
  queue: MergeQueue,
): void {
  const middle = parts[4 * left] as number;
  if (middle >= n) {
    parts[4 * left + 3] = NO_TOKEN;
    return;
  }
  const end = parts[4 * middle] as number;
  const rank = table.pairRank(
    parts[4 * left + 2] as number,
    parts[4 * middle + 2] as number,
    bytes,
    left,
    end,
  );
  if (rank === Infinity) {
    parts[4 * left + 3] = NO_TOKEN;
  } else {
    parts[4 * left + 3] = rank;
    queue.push(rank, left);
  }
}
