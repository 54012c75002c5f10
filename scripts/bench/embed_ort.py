#!/usr/bin/env python3
"""Python onnxruntime side of `npm run bench:embed`: the same ONNX, the same chips, the same preprocessing.

Reads raw 8-bit RGB chips (count x size x size x 3), then answers each stdin line `[batch, chips]` with one
JSON line: seconds end to end (normalise + infer) and the embeddings, for the Node side to compare. Staying
up between requests lets the Node side interleave its runs with these on a shared machine.
`--matmul-peak` instead prints the float32 matmul rate of this CPU (numpy, all cores).
"""

import argparse
import json
import sys
import time

import numpy as np


def matmul_peak(n: int = 2048, repeats: int = 8) -> float:
    a = np.random.default_rng(0).standard_normal((n, n), dtype=np.float32)
    b = np.random.default_rng(1).standard_normal((n, n), dtype=np.float32)
    a @ b  # warm up
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        a @ b
        best = min(best, time.perf_counter() - start)
    return 2 * n**3 / best


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", help="vision tower ONNX")
    parser.add_argument("--chips", help="raw uint8 RGB chips, count x size x size x 3")
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--mean", type=float, nargs=3, default=[0.5, 0.5, 0.5])
    parser.add_argument("--std", type=float, nargs=3, default=[0.5, 0.5, 0.5])
    parser.add_argument("--rescale", type=float, default=1 / 255)
    parser.add_argument("--matmul-peak", action="store_true")
    args = parser.parse_args()
    if args.matmul_peak:
        print(json.dumps({"matmul_flops": matmul_peak()}))
        return

    import onnxruntime as ort

    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    session = ort.InferenceSession(args.model, options, providers=["CPUExecutionProvider"])
    name = session.get_inputs()[0].name
    raw = np.fromfile(args.chips, dtype=np.uint8).reshape(-1, args.size, args.size, 3)
    mean = np.array(args.mean, np.float32).reshape(1, 3, 1, 1)
    std = np.array(args.std, np.float32).reshape(1, 3, 1, 1)
    session.run(None, {name: ((raw[:1].transpose(0, 3, 1, 2) * args.rescale - mean) / std).astype(np.float32)})
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        batch, count = json.loads(line)
        out = []
        start = time.perf_counter()
        for first in range(0, count, batch):
            chips = raw[[i % len(raw) for i in range(first, min(first + batch, count))]]
            pixels = ((chips.transpose(0, 3, 1, 2).astype(np.float32) * args.rescale - mean) / std).astype(np.float32)
            vectors = session.run(None, {name: pixels})[0]
            out.append(vectors / np.linalg.norm(vectors, axis=1, keepdims=True))
        seconds = time.perf_counter() - start
        embeddings = np.concatenate(out)
        print(json.dumps({"batch": batch, "chips": count, "seconds": seconds,
                          "embeddings": embeddings.tolist()}), flush=True)


if __name__ == "__main__":
    main()
