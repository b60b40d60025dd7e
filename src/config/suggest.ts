// "Did you mean" for unknown keys: the closest candidate by edit distance,
// offered only when it is close enough to be a plausible typo.

/** Levenshtein distance, case-insensitive. */
export function editDistance(a: string, b: string): number {
  a = a.toLowerCase()
  b = b.toLowerCase()
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const cur = [i]
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost)
    }
    prev = cur
  }
  return prev[b.length]!
}

/** The nearest candidate within `limit` edits (default: a third of the word's length, at least 2), if any. */
export function nearest(word: string, candidates: Iterable<string>, limit = Math.max(2, Math.floor(word.length / 3))): string | undefined {
  let best: string | undefined
  let bestD = Infinity
  for (const c of candidates) {
    const d = editDistance(word, c)
    if (d < bestD) {
      best = c
      bestD = d
    }
  }
  return bestD <= limit ? best : undefined
}
