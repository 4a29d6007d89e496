// The TFLite int8 requantisation arithmetic, bit for bit (DESIGN.md §4): a real multiplier
// becomes a Q31 fixed-point multiplier and a power-of-two shift at compile time, and the
// kernels apply it with a rounding doubling high multiply and a rounding right shift.
// runtime-c/include/onnx2mcu/fixed_point.h is the C side; the two must agree on every input.

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

export interface QuantizedMultiplier {
  /** Q31 mantissa in [2^30, 2^31), or 0 for a multiplier too small to represent. */
  multiplier: number;
  /** real = multiplier * 2^(shift - 31); positive shifts multiply, negative ones divide. */
  shift: number;
}

/** frexp: real = fraction * 2^exponent with fraction in [0.5, 1). */
function frexp(value: number): [number, number] {
  if (value === 0 || !Number.isFinite(value)) return [value, 0];
  let exponent = Math.max(-1073, Math.floor(Math.log2(Math.abs(value))) + 1);
  let fraction = value * 2 ** -exponent;
  // log2 can be off by one near powers of two; settle the fraction into [0.5, 1).
  while (Math.abs(fraction) < 0.5) { fraction *= 2; exponent -= 1; }
  while (Math.abs(fraction) >= 1) { fraction /= 2; exponent += 1; }
  return [fraction, exponent];
}

/** TFLite's QuantizeMultiplier for a non-negative real multiplier. */
export function quantizeMultiplier(real: number): QuantizedMultiplier {
  if (!(real >= 0) || !Number.isFinite(real)) throw new Error(`internal: multiplier ${real} is not a finite non-negative number`);
  if (real === 0) return { multiplier: 0, shift: 0 };
  const [fraction, exponent] = frexp(real);
  let shift = exponent;
  // round() in C rounds halves away from zero; fraction is positive here.
  let q = Math.floor(fraction * 2 ** 31 + 0.5);
  if (q === 2 ** 31) {
    q /= 2;
    shift += 1;
  }
  if (shift < -31) return { multiplier: 0, shift: 0 };
  if (shift > 30) return { multiplier: INT32_MAX, shift: 30 };
  return { multiplier: q, shift };
}

/** gemmlowp's SaturatingRoundingDoublingHighMul: floor(a * b / 2^31 + 1/2), so halves round up. */
export function roundingDoublingHighMul(a: number, b: number): number {
  if (a === INT32_MIN && b === INT32_MIN) return INT32_MAX;
  const ab = BigInt(a) * BigInt(b);
  const nudge = ab >= 0n ? 1n << 30n : 1n - (1n << 30n);
  // BigInt division truncates toward zero, as C's does.
  return Number((ab + nudge) / (1n << 31n));
}

/** gemmlowp's RoundingDivideByPOT: x / 2^exponent, halves away from zero. */
export function roundingDivideByPowerOfTwo(x: number, exponent: number): number {
  const mask = 2 ** exponent - 1; // up to 2^31 - 1, which 1 << 31 could not give
  const remainder = x & mask;
  const threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

/** TFLite's MultiplyByQuantizedMultiplier: x * multiplier * 2^(shift - 31), rounded twice. */
export function multiplyByQuantizedMultiplier(x: number, q: QuantizedMultiplier): number {
  const leftShift = q.shift > 0 ? q.shift : 0;
  const rightShift = q.shift > 0 ? 0 : -q.shift;
  // x << leftShift wraps in 32 bits as the C does (callers keep it in range).
  const shifted = Number(BigInt.asIntN(32, BigInt(x) << BigInt(leftShift)));
  return roundingDivideByPowerOfTwo(roundingDoublingHighMul(shifted, q.multiplier), rightShift);
}
