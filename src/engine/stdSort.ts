/**
 * `std::sort` as GCC's C++ library implements it (introsort, then insertion sort), element moves included.
 *
 * `std::sort` is not stable, so when RDKit sorts rings by size, rings of equal size come out in an order that only
 * this algorithm reproduces; native RDKit (Debian's, built with GCC) lists its rings in that order. Arrays of at
 * most 16 elements get a plain insertion sort, which is stable. Returns false, leaving `items` partly sorted,
 * where GCC would fall back to heapsort (a partition depth beyond 2·log2 n), which is not reproduced.
 */
const threshold = 16

export const gccSort = <T>(items: Array<T>, less: (a: T, b: T) => boolean): boolean => {
  if (items.length < 2) return true
  if (!introsortLoop(items, 0, items.length, 2 * Math.floor(Math.log2(items.length)), less)) return false
  finalInsertionSort(items, less)
  return true
}

const swap = <T>(items: Array<T>, i: number, j: number) => {
  const t = items[i]!
  items[i] = items[j]!
  items[j] = t
}

const introsortLoop = <T>(items: Array<T>, first: number, last: number, depth: number, less: (a: T, b: T) => boolean): boolean => {
  while (last - first > threshold) {
    if (depth === 0) return false
    depth--
    const cut = partitionPivot(items, first, last, less)
    if (!introsortLoop(items, cut, last, depth, less)) return false
    last = cut
  }
  return true
}

const partitionPivot = <T>(items: Array<T>, first: number, last: number, less: (a: T, b: T) => boolean): number => {
  const mid = first + Math.floor((last - first) / 2)
  moveMedianToFirst(items, first, first + 1, mid, last - 1, less)
  return unguardedPartition(items, first + 1, last, first, less)
}

const moveMedianToFirst = <T>(items: Array<T>, result: number, a: number, b: number, c: number, less: (a: T, b: T) => boolean) => {
  const [x, y, z] = [items[a]!, items[b]!, items[c]!]
  if (less(x, y)) {
    if (less(y, z)) swap(items, result, b)
    else if (less(x, z)) swap(items, result, c)
    else swap(items, result, a)
  } else if (less(x, z)) swap(items, result, a)
  else if (less(y, z)) swap(items, result, c)
  else swap(items, result, b)
}

const unguardedPartition = <T>(items: Array<T>, first: number, last: number, pivot: number, less: (a: T, b: T) => boolean): number => {
  for (;;) {
    while (less(items[first]!, items[pivot]!)) first++
    last--
    while (less(items[pivot]!, items[last]!)) last--
    if (!(first < last)) return first
    swap(items, first, last)
    first++
  }
}

const finalInsertionSort = <T>(items: Array<T>, less: (a: T, b: T) => boolean) => {
  if (items.length > threshold) {
    insertionSort(items, 0, threshold, less)
    for (let i = threshold; i < items.length; i++) unguardedLinearInsert(items, i, less)
  } else {
    insertionSort(items, 0, items.length, less)
  }
}

const insertionSort = <T>(items: Array<T>, first: number, last: number, less: (a: T, b: T) => boolean) => {
  for (let i = first + 1; i < last; i++) {
    if (less(items[i]!, items[first]!)) {
      const value = items[i]!
      for (let j = i; j > first; j--) items[j] = items[j - 1]!
      items[first] = value
    } else {
      unguardedLinearInsert(items, i, less)
    }
  }
}

const unguardedLinearInsert = <T>(items: Array<T>, last: number, less: (a: T, b: T) => boolean) => {
  const value = items[last]!
  let next = last - 1
  while (less(value, items[next]!)) {
    items[last] = items[next]!
    last = next
    next--
  }
  items[last] = value
}
