/** Small helpers for the benchmark's figures. */

export const median = (values) => {
  const finite = values.filter(Number.isFinite).sort((a, b) => a - b)
  if (finite.length === 0) return NaN
  const mid = finite.length >> 1
  return finite.length % 2 === 1 ? finite[mid] : (finite[mid - 1] + finite[mid]) / 2
}

export const MIB = 2 ** 20

export const fmt = (value, digits = 1) => (Number.isFinite(value) ? value.toFixed(digits) : "–")

export const mib = (bytes) => fmt(bytes / MIB, 0)

export const today = () => new Date().toISOString().slice(0, 10)
