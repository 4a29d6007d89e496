// Einsum over one or two operands: every equation becomes a contraction, a loop over the output
// axes with a sum over the remaining axes, each operand read through one stride per axis.
// Repeated labels in an operand (diagonals) add their strides; broadcast ellipsis axes get
// stride 0. Matrix products, transposes, sums, inner and outer products and diagonals are all
// this one kernel. MatMul uses it for the element types its float kernel does not take.
import { DTYPE_CTYPE, elementCount, type ConstTensor, type DType, type Node } from '../ir/graph.js';
import { DTYPE_SUFFIX, attrString, inputArg, nodeError, outputArg, requireInput, type KernelCall, type LowerContext, type OpFamily, type TypedShape } from './op.js';
import { arithmeticFor, CONTRACTION_DTYPES, scalarBuffer, scalars } from './scalar-arithmetic.js';
import { rowMajorStrides } from './sliding-window.js';
import { O2M_MAX_DIMS } from './op.js';

export interface Contraction {
  outShape: number[];
  sumShape: number[];
  /** Per operand: element strides along the output axes and along the summed axes. */
  operands: { outStrides: number[]; sumStrides: number[] }[];
}

/** The reference: for each output element (row-major), the sum over the summed axes (row-major). */
export function evaluateContraction(c: Contraction, dtype: DType, inputs: ConstTensor[]): ConstTensor['data'] {
  const math = arithmeticFor(dtype);
  const outCount = elementCount(c.outShape);
  const sumCount = elementCount(c.sumShape);
  const out = scalarBuffer(dtype, outCount);
  const data = inputs.map((t) => scalars(t.data));
  const offsetsOf = (flat: number, shape: number[], strides: number[][]) => {
    const offsets = strides.map(() => 0);
    for (let axis = shape.length - 1; axis >= 0; axis--) {
      const index = flat % shape[axis];
      flat = Math.floor(flat / shape[axis]);
      strides.forEach((s, k) => { offsets[k] += index * s[axis]; });
    }
    return offsets;
  };
  const outStrides = c.operands.map((o) => o.outStrides);
  const sumStrides = c.operands.map((o) => o.sumStrides);
  const sumOffsets = Array.from({ length: sumCount }, (_, s) => offsetsOf(s, c.sumShape, sumStrides));
  for (let o = 0; o < outCount; o++) {
    const base = offsetsOf(o, c.outShape, outStrides);
    let acc = math.zero;
    for (const offsets of sumOffsets) {
      const a = data[0][base[0] + offsets[0]];
      acc = data.length === 2 ? math.multiplyAdd(acc, a, data[1][base[1] + offsets[1]]) : math.add(acc, a);
    }
    out.slots[o] = acc;
  }
  return out.data;
}

export function lowerContraction(ctx: LowerContext, c: Contraction, macsPerProduct = 1): KernelCall {
  const dtype = requireInput(ctx, 0).dtype;
  if (c.outShape.length > O2M_MAX_DIMS || c.sumShape.length > O2M_MAX_DIMS) {
    throw nodeError(ctx.node, `more than ${O2M_MAX_DIMS} output or summed axes`);
  }
  const pad = (v: number[]) => [...v, ...Array(O2M_MAX_DIMS - v.length).fill(0)];
  const second = c.operands[1] ?? { outStrides: [], sumStrides: [] };
  return {
    node: ctx.node.name,
    opType: ctx.node.opType,
    kernel: `o2m_einsum_${DTYPE_SUFFIX[dtype]}`,
    paramsType: 'o2m_einsum_params',
    params: {
      out_rank: { int: c.outShape.length },
      out_shape: { ints: pad(c.outShape) },
      sum_rank: { int: c.sumShape.length },
      sum_shape: { ints: pad(c.sumShape) },
      a_out_strides: { ints: pad(c.operands[0].outStrides) },
      a_sum_strides: { ints: pad(c.operands[0].sumStrides) },
      b_out_strides: { ints: pad(second.outStrides) },
      b_sum_strides: { ints: pad(second.sumStrides) },
    },
    args: [
      inputArg(ctx, 0),
      c.operands.length === 2 ? inputArg(ctx, 1) : { kind: 'null', ctype: DTYPE_CTYPE[dtype]! },
      outputArg(ctx),
    ],
    macs: c.operands.length === 2 ? elementCount(c.outShape) * elementCount(c.sumShape) * macsPerProduct : 0,
  };
}

// ---- equations --------------------------------------------------------------------------------

/** The labels of one side of an equation; '...' stays one token. */
function parseTerm(node: Node, term: string): string[] {
  const labels: string[] = [];
  for (let i = 0; i < term.length; i++) {
    if (term.startsWith('...', i)) {
      if (labels.includes('...')) throw nodeError(node, `'${term}' has more than one ellipsis`);
      labels.push('...');
      i += 2;
    } else if (/[A-Za-z]/.test(term[i])) {
      labels.push(term[i]);
    } else {
      throw nodeError(node, `'${term[i]}' in equation term '${term}' is not a letter or '...'`);
    }
  }
  return labels;
}

/** The contraction an Einsum equation describes over operands of these shapes. */
export function einsumContraction(node: Node, equation: string, shapes: number[][]): Contraction {
  const text = equation.replace(/\s+/g, '');
  const arrow = text.indexOf('->');
  const lhs = arrow >= 0 ? text.slice(0, arrow) : text;
  const terms = lhs.split(',').map((t) => parseTerm(node, t));
  if (terms.length !== shapes.length) {
    throw nodeError(node, `equation '${equation}' names ${terms.length} operands, the node has ${shapes.length}`);
  }
  if (shapes.length > 2) throw nodeError(node, `Einsum over ${shapes.length} operands is not supported (at most 2)`);

  // Ellipsis axes become labels '0', '1', ... aligned to the right across operands.
  const ellipsisRanks = terms.map((labels, k) => {
    const letters = labels.filter((l) => l !== '...').length;
    const rank = shapes[k].length;
    if (labels.includes('...') ? rank < letters : rank !== letters) {
      throw nodeError(node, `term '${labels.join('')}' does not fit operand ${k} of rank ${rank}`);
    }
    return rank - letters;
  });
  const ellipsisRank = Math.max(0, ...ellipsisRanks);
  const ellipsisLabels = Array.from({ length: ellipsisRank }, (_, i) => String(i));

  const sizes = new Map<string, number>();
  const axesOf = terms.map((labels, k) => {
    const axes: string[] = [];
    for (const l of labels) {
      if (l === '...') axes.push(...ellipsisLabels.slice(ellipsisRank - ellipsisRanks[k]));
      else axes.push(l);
    }
    axes.forEach((label, axis) => {
      const d = shapes[k][axis];
      const known = sizes.get(label);
      const isEllipsis = /[0-9]/.test(label);
      if (known === undefined || (isEllipsis && known === 1)) sizes.set(label, d);
      else if (d !== known && !(isEllipsis && d === 1)) {
        throw nodeError(node, `label '${isEllipsis ? '...' : label}' has sizes ${known} and ${d}`);
      }
    });
    return axes;
  });

  let outLabels: string[];
  if (arrow >= 0) {
    outLabels = parseTerm(node, text.slice(arrow + 2)).flatMap((l) => (l === '...' ? ellipsisLabels : [l]));
    for (const l of outLabels) {
      if (!sizes.has(l)) throw nodeError(node, `output label '${l}' appears in no operand`);
    }
    if (new Set(outLabels).size !== outLabels.length) throw nodeError(node, 'an output label appears twice');
  } else {
    // Implicit output: the ellipsis axes, then the letters used exactly once, alphabetically.
    const counts = new Map<string, number>();
    for (const labels of terms) for (const l of labels) if (l !== '...') counts.set(l, (counts.get(l) ?? 0) + 1);
    outLabels = [...ellipsisLabels, ...[...counts].filter(([, n]) => n === 1).map(([l]) => l).sort()];
  }
  const sumLabels = [...sizes.keys()].filter((l) => !outLabels.includes(l));

  const operands = axesOf.map((axes, k) => {
    const strides = rowMajorStrides(shapes[k]);
    const strideOf = (label: string) => axes.reduce(
      // A size-1 axis broadcast against a larger one is read at stride 0.
      (s, l, axis) => (l === label && shapes[k][axis] === sizes.get(label) ? s + strides[axis] : s), 0);
    return { outStrides: outLabels.map(strideOf), sumStrides: sumLabels.map(strideOf) };
  });
  return {
    outShape: outLabels.map((l) => sizes.get(l)!),
    sumShape: sumLabels.map((l) => sizes.get(l)!),
    operands,
  };
}

function einsumOf(ctx: { node: Node; inputs: (TypedShape | undefined)[] }): Contraction {
  const shapes = ctx.node.inputs.map((_, i) => requireInput(ctx, i).shape);
  return einsumContraction(ctx.node, attrString(ctx.node, 'equation'), shapes);
}

export const einsumFamily: OpFamily = {
  opTypes: ['Einsum'],
  opsets: [12, 17],
  dtypes: CONTRACTION_DTYPES,

  inferShapes(ctx) {
    const dtype = requireInput(ctx, 0).dtype;
    if (!CONTRACTION_DTYPES.includes(dtype)) throw nodeError(ctx.node, `input 0 is ${dtype}; supported: ${CONTRACTION_DTYPES.join(', ')}`);
    ctx.inputs.forEach((t, i) => {
      if (t && t.dtype !== dtype) throw nodeError(ctx.node, `input ${i} is ${t.dtype}, input 0 is ${dtype}`);
    });
    return [{ dtype, shape: einsumOf(ctx).outShape }];
  },

  evaluate(ctx) {
    const c = einsumOf({ node: ctx.node, inputs: ctx.inputTypes });
    const dtype = ctx.inputTypes[0]!.dtype;
    const data = evaluateContraction(c, dtype, ctx.inputs.map((t) => t!));
    return [{ name: ctx.node.outputs[0], dtype, shape: c.outShape, data }];
  },

  lower: (ctx) => lowerContraction(ctx, einsumOf(ctx)),
};
