// The reference side of validate: the original float model in ONNX Runtime. For --per-layer
// the model is re-encoded with every intermediate tensor asked for as an extra output, so one
// run gives the values each compiled layer should approximate.
import onnxProto from 'onnx-proto';
import { CompileError, type ConstTensor } from '../ir/graph.js';

const { onnx } = onnxProto;

type Ort = typeof import('onnxruntime-node');

async function loadOrt(): Promise<Ort> {
  try {
    return await import('onnxruntime-node');
  } catch (e) {
    throw new CompileError(`validate needs onnxruntime-node as its reference (npm install onnxruntime-node): ${(e as Error).message}`);
  }
}

/** The model with `names` added as graph outputs (those a node of the model produces). */
function withIntermediateOutputs(model: Uint8Array, names: string[]): { bytes: Uint8Array; added: string[] } {
  const proto = onnx.ModelProto.decode(model);
  const graph = proto.graph!;
  const produced = new Set((graph.node ?? []).flatMap((n) => n.output ?? []));
  const existing = new Set((graph.output ?? []).map((o) => o.name));
  const added = [...new Set(names)].filter((n) => produced.has(n) && !existing.has(n));
  graph.output = [...(graph.output ?? []), ...added.map((name) => onnx.ValueInfoProto.create({ name }))];
  return { bytes: onnx.ModelProto.encode(proto).finish(), added };
}

export interface ReferenceRunner {
  /** Values of the model's outputs and of every intermediate it was asked for. */
  run(sample: Map<string, ConstTensor>): Promise<Map<string, Float32Array>>;
  /** The intermediates ONNX Runtime can give (others have no counterpart in the original model). */
  intermediates: string[];
  release(): Promise<void>;
}

export async function referenceRunner(modelBytes: Uint8Array, file: string, intermediates: string[] = []): Promise<ReferenceRunner> {
  const ort = await loadOrt();
  const { bytes, added } = withIntermediateOutputs(modelBytes, intermediates);
  let session: import('onnxruntime-node').InferenceSession;
  try {
    session = await ort.InferenceSession.create(bytes);
  } catch (e) {
    throw new CompileError(`${file}: ONNX Runtime cannot load the model as a reference: ${(e as Error).message.split('\n')[0]}`);
  }
  return {
    intermediates: added,
    async run(sample) {
      const feeds: Record<string, import('onnxruntime-node').Tensor> = {};
      for (const [name, t] of sample) {
        feeds[name] = new ort.Tensor(t.dtype as 'float32', t.data as Float32Array, [...t.shape]);
      }
      const results = await session.run(feeds);
      const values = new Map<string, Float32Array>();
      for (const name of session.outputNames) {
        const data = results[name]?.data;
        if (!data || Array.isArray(data)) continue; // strings have no error figures
        values.set(name, Float32Array.from(data as ArrayLike<number | bigint>, Number));
      }
      return values;
    },
    release: () => session.release(),
  };
}
