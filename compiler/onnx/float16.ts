// IEEE 754 binary16 <-> binary32. The IR widens float16 tensors to Float32Array on import,
// so these conversions sit at every boundary where half-precision bits enter or leave.

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** Exact: every binary16 value (subnormals, ±0, ±Inf, NaN) is representable in binary32. */
export function halfToFloat(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const mantissa = bits & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 0x1f) return mantissa === 0 ? sign * Infinity : NaN;
  return sign * (1024 + mantissa) * 2 ** (exponent - 25);
}

/**
 * Rounds to nearest, ties to even, as numpy's astype(float16) and ONNX Runtime's Cast do,
 * so a tensor written back as float16 has the bits a Python user would get.
 */
export function floatToHalf(value: number): number {
  // Round to binary32 first: rounding double → half directly could differ from the
  // double → float → half path that every other tool takes.
  f32[0] = value;
  const x = u32[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exponent = (x >>> 23) & 0xff;
  let mantissa = x & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa !== 0 ? 0x200 : 0);
  const e = exponent - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mantissa |= 0x800000;
    const shift = 14 - e;
    let h = mantissa >>> shift;
    const rest = mantissa & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    if (rest > halfway || (rest === halfway && (h & 1) !== 0)) h++;
    return sign | h;
  }
  let h = (e << 10) | (mantissa >>> 13);
  const rest = mantissa & 0x1fff;
  // A carry out of the mantissa correctly bumps the exponent (and overflows to Inf).
  if (rest > 0x1000 || (rest === 0x1000 && (h & 1) !== 0)) h++;
  return sign | h;
}
