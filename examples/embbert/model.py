"""EmbBERT-class classifier (Bravin et al., 2025), written so that torch.onnx.export emits exactly the
plain ops the onnx2mcu compiler fuses: Gather/MatMul for the Nano Embedder, Equal/Where for the padding
mask, Pow/ReduceMean/Add/Sqrt/Div/Mul for RMSNorm, Sigmoid*Mul for SiLU, Conv + Slice for the causal
depthwise convolution."""
import math

import torch
from torch import nn

EMBEDDING_WIDTH = 16
MODEL_WIDTH = 128
LAYERS = 4
CONV_KERNEL = 32
CLASSES = 2
# Branch weights of the encoder block: x + LAMBDA_ATTENTION*attention - LAMBDA_CONV*conv.
LAMBDA_ATTENTION = 1.0
LAMBDA_CONV = 0.5
# -1e4 rather than -inf: exp(-1e4 - max) is exactly 0 in float32, yet the value survives int8 calibration
# ranges and never produces inf - inf = NaN.
MASK_VALUE = -1e4
RMS_EPS = 1e-5

VARIANTS = {
    'full': {'vocab': 8192, 'length': 256, 'onnx': 'embbert.onnx'},
    'small': {'vocab': 2048, 'length': 128, 'onnx': 'embbert-small.onnx'},
}


class RMSNorm(nn.Module):
    def __init__(self, width: int):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(width))

    def forward(self, x):
        return x / torch.sqrt(torch.mean(x.pow(2), -1, keepdim=True) + RMS_EPS) * self.weight


class EncoderLayer(nn.Module):
    def __init__(self, length: int):
        super().__init__()
        self.length = length
        self.norm = RMSNorm(MODEL_WIDTH)
        self.query = nn.Linear(MODEL_WIDTH, MODEL_WIDTH)
        self.attention_out = nn.Linear(MODEL_WIDTH, MODEL_WIDTH)
        # padding = kernel - 1 on both sides, then keeping the first `length` outputs makes it causal.
        self.conv = nn.Conv1d(MODEL_WIDTH, MODEL_WIDTH, CONV_KERNEL, groups=MODEL_WIDTH, padding=CONV_KERNEL - 1)
        self.conv_out = nn.Linear(MODEL_WIDTH, MODEL_WIDTH)
        self.register_buffer('mask_value', torch.tensor(MASK_VALUE), persistent=False)

    def forward(self, x, pad):
        h = self.norm(x)
        # Single head; keys and values are the normalised input itself.
        scores = self.query(h) @ h.transpose(-1, -2) / math.sqrt(MODEL_WIDTH)
        scores = torch.where(pad[:, None, :], self.mask_value, scores)
        a = self.attention_out(torch.softmax(scores, -1) @ h)
        c = self.conv(h.transpose(1, 2))[..., :self.length]
        c = c * torch.sigmoid(c)
        c = self.conv_out(c.transpose(1, 2))
        return x + LAMBDA_ATTENTION * a - LAMBDA_CONV * c


class EmbBERT(nn.Module):
    def __init__(self, vocab: int, length: int):
        super().__init__()
        self.token_embedding = nn.Embedding(vocab, EMBEDDING_WIDTH)
        self.token_projection = nn.Linear(EMBEDDING_WIDTH, MODEL_WIDTH, bias=False)
        self.position_embedding = nn.Embedding(length, EMBEDDING_WIDTH)
        self.position_projection = nn.Linear(EMBEDDING_WIDTH, MODEL_WIDTH, bias=False)
        self.segment_embedding = nn.Embedding(3, MODEL_WIDTH)
        # Constant index buffers, so the position and segment terms fold to constants in the export. Every
        # token is in segment 0, so one segment row broadcast over the sequence is enough.
        self.register_buffer('positions', torch.arange(length), persistent=False)
        self.register_buffer('segment', torch.zeros(1, dtype=torch.long), persistent=False)
        self.layers = nn.ModuleList(EncoderLayer(length) for _ in range(LAYERS))
        self.classifier = nn.Linear(MODEL_WIDTH, CLASSES)

    def forward(self, input_ids):
        pad = input_ids == 0
        token = self.token_projection(self.token_embedding(input_ids))
        # Bracketed so the two input-independent terms add up before meeting the token term.
        x = token + (self.position_projection(self.position_embedding(self.positions))
                     + self.segment_embedding(self.segment))
        for layer in self.layers:
            x = layer(x, pad)
        return self.classifier(x[:, 0, :])


def parameter_count(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def export(model: EmbBERT, length: int, path: str) -> None:
    model.eval()
    example = torch.zeros(1, length, dtype=torch.long)
    example[0, :8] = torch.arange(2, 10)
    torch.onnx.export(model, (example,), path, input_names=['input_ids'], output_names=['logits'],
                      opset_version=13, do_constant_folding=True)
