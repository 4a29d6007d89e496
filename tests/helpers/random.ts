// Seeded random numbers, so that a failing test fails the same way on every run.

/** mulberry32: a small 32-bit PRNG with good statistical quality; returns floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randomFloat32(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  const next = mulberry32(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = lo + (hi - lo) * next();
  return out;
}

/** Integers uniformly in [lo, hi], both ends included. */
export function randomInts(n: number, seed: number, lo: number, hi: number): number[] {
  const next = mulberry32(seed);
  return Array.from({ length: n }, () => lo + Math.floor(next() * (hi - lo + 1)));
}
