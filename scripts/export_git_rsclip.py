#!/usr/bin/env python3
"""Export a Git-RSCLIP (SigLIP) checkpoint to a driftwatch model folder.

The folder holds the vision and text towers as ONNX, the tokenizer as `tokenizer.json` and a
`manifest.json` (model id, dimension, tensor names, preprocessing, logit scale and bias, checksums)
that `GitRsclipEmbedder` (src/embed/git-rsclip.ts) validates and loads.

Usage:
  # the real model (needs internet once, for the download):
  huggingface-cli download lcybuaa1111/Git-RSCLIP --local-dir checkpoints/git-rsclip
  python scripts/export_git_rsclip.py --checkpoint checkpoints/git-rsclip --out models/git-rsclip --int8

  # a tiny random model of the same architecture, with PyTorch reference outputs:
  python scripts/export_git_rsclip.py --tiny-random --out test/fixtures/tiny-git-rsclip

  # a full-size random model (SigLIP-L/16-256 shapes) for benchmarks:
  python scripts/export_git_rsclip.py --random large --towers vision --int8 --out .driftwatch/models/large-random
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import math
import re
import string
import sys
import tempfile
from pathlib import Path

import numpy as np
import torch
from PIL import Image

MANIFEST_FORMAT = "driftwatch-model/1"
TEXT_MAX_LENGTH = 64

# Sentences the tiny SentencePiece tokenizer is trained on (seeded, deterministic).
TINY_CORPUS = [
    "a satellite image of a flooded river with muddy water",
    "an aerial photo of buildings under construction near a road",
    "farmland with green fields and a small forest",
    "a harbour with ships and containers on the quay",
    "a burned forest after a wildfire",
    "a dense urban area with many houses and streets",
    "a lake surrounded by trees and meadows",
    "bare soil and new roads in a construction site",
    "snow covered mountains and a glacier",
    "an airport with runways and parked planes",
    "a river delta with sand bars and wetlands",
    "damaged buildings after an earthquake",
]

# Prompts whose token ids and embeddings become references (case, punctuation, spacing, truncation).
REFERENCE_PROMPTS = [
    "a satellite image of a flooded river",
    "Buildings under construction!",
    "  Farmland,   roads and FORESTS  ",
    "a café near the harbour; snow-covered mountains",
    " ".join(["a lake surrounded by trees and meadows"] * 12),
]

# Extra strings the converted tokenizer.json must encode exactly as the slow SiglipTokenizer does.
TOKENIZER_CHECKS = REFERENCE_PROMPTS + [
    "",
    " ",
    "hello",
    "HELLO world",
    "a  b\tc\nd",
    "what's up?? (really) [yes] {no} <maybe>",
    "ñandú über straße",
    "ﬁve ＡＢＣ",
    "trailing space ",
    " leading space",
    "under_score and hy-phen and sl/ash",
    "numbers 123 4.56 7,890",
    "▁already▁escaped",
]

CONFIGS = {
    "tiny": {
        "vision": dict(hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=2,
                       image_size=256, patch_size=16),
        "text": dict(hidden_size=24, intermediate_size=48, num_hidden_layers=2, num_attention_heads=2,
                     max_position_embeddings=TEXT_MAX_LENGTH, projection_size=32),
        "vocab_size": None,  # the tiny tokenizer's own size
    },
    "large": {
        "vision": dict(hidden_size=1024, intermediate_size=4096, num_hidden_layers=24, num_attention_heads=16,
                       image_size=256, patch_size=16),
        "text": dict(hidden_size=1024, intermediate_size=4096, num_hidden_layers=24, num_attention_heads=16,
                     max_position_embeddings=TEXT_MAX_LENGTH, projection_size=1024),
        "vocab_size": 32000,
    },
}


def fail(message: str) -> None:
    print(f"export_git_rsclip: {message}", file=sys.stderr)
    sys.exit(1)


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


# ---------------------------------------------------------------- tokenizer


def train_tiny_spm(folder: Path) -> Path:
    """Trains a tiny unigram SentencePiece model (SigLIP's special ids: pad 0, eos 1, unk 2)."""
    import sentencepiece as spm

    model = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(TINY_CORPUS),
        model_writer=model,
        model_type="unigram",
        vocab_size=120,
        hard_vocab_limit=False,
        character_coverage=1.0,
        pad_id=0,
        eos_id=1,
        unk_id=2,
        bos_id=-1,
        pad_piece="<pad>",
        eos_piece="</s>",
        unk_piece="<unk>",
        seed_sentencepiece_size=1000,
        num_threads=1,
        minloglevel=2,
    )
    path = folder / "spiece.model"
    path.write_bytes(model.getvalue())
    return path


def convert_tokenizer(slow):
    """Builds a `tokenizers` pipeline equivalent to the slow SiglipTokenizer.

    SiglipTokenizer lower-cases, removes ASCII punctuation, collapses whitespace, strips the end, then
    runs SentencePiece (its own normalizer, no dummy prefix) on '▁' + text and appends </s>.
    """
    from tokenizers import Regex, decoders, normalizers, pre_tokenizers, processors
    from transformers.convert_slow_tokenizer import SpmConverter

    specials = "\\[]^-"
    punct = "".join("\\" + c if c in specials else c for c in string.punctuation)

    class SiglipConverter(SpmConverter):
        def normalizer(self, proto):
            steps = [
                normalizers.Replace("▁", " "),
                normalizers.Lowercase(),
                normalizers.Replace(Regex(f"[{punct}]"), ""),
                normalizers.Replace(Regex(r"\s+"), " "),
                normalizers.Strip(left=False, right=True),
            ]
            charsmap = proto.normalizer_spec.precompiled_charsmap
            if charsmap:
                steps.append(normalizers.Precompiled(charsmap))
            return normalizers.Sequence(steps)

        def pre_tokenizer(self, replacement, add_prefix_space):
            return pre_tokenizers.Metaspace(replacement=replacement, prepend_scheme="always", split=True)

        def decoder(self, replacement, add_prefix_space):
            return decoders.Metaspace(replacement=replacement, prepend_scheme="always", split=True)

        def post_processor(self):
            eos = self.original_tokenizer.eos_token
            return processors.TemplateProcessing(
                single=["$A", eos],
                pair=["$A", eos, "$B", eos],
                special_tokens=[(eos, self.original_tokenizer.convert_tokens_to_ids(eos))],
            )

    return SiglipConverter(slow).converted()


def fast_ids(fast, text: str, max_length: int, eos_id: int, pad_id: int) -> list[int]:
    """What the TypeScript side does: encode, truncate keeping </s>, pad to max_length."""
    ids = fast.encode(text).ids
    if len(ids) > max_length:
        ids = ids[: max_length - 1] + [eos_id]
    return ids + [pad_id] * (max_length - len(ids))


def check_tokenizer(slow, fast, max_length: int) -> None:
    eos_id, pad_id = slow.eos_token_id, slow.pad_token_id
    for text in TOKENIZER_CHECKS:
        want = slow(text, padding="max_length", max_length=max_length, truncation=True)["input_ids"]
        got = fast_ids(fast, text, max_length, eos_id, pad_id)
        if want != got:
            fail(f"tokenizer.json disagrees with SiglipTokenizer on {text!r}:\n  slow {want}\n  fast {got}")


# ---------------------------------------------------------------- towers


class VisionTower(torch.nn.Module):
    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, pixel_values):
        return self.model.get_image_features(pixel_values=pixel_values)


class TextTower(torch.nn.Module):
    def __init__(self, model, with_mask: bool):
        super().__init__()
        self.model = model
        self.with_mask = with_mask

    def forward(self, input_ids, attention_mask=None):
        return self.model.get_text_features(input_ids=input_ids, attention_mask=attention_mask)


def export_onnx(module, args: tuple, input_names: list[str], output_name: str, path: Path, opset: int) -> None:
    axes = {name: {0: "batch"} for name in input_names}
    axes[output_name] = {0: "batch"}
    with torch.no_grad():
        torch.onnx.export(
            module,
            args,
            str(path),
            input_names=input_names,
            output_names=[output_name],
            dynamic_axes=axes,
            opset_version=opset,
            do_constant_folding=True,
            dynamo=False,
        )


def ort_run(path: Path, feeds: dict) -> np.ndarray:
    import onnxruntime as ort

    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return session.run(None, feeds)[0]


def cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    a = a.astype(np.float64)
    b = b.astype(np.float64)
    return (a * b).sum(1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))


def to_fp16(src: Path, dst: Path) -> None:
    import onnx
    from onnxconverter_common import float16

    model = float16.convert_float_to_float16(onnx.load(str(src)), keep_io_types=False)
    # The converter retypes tensors but not the targets of Cast nodes: casts to float become float16.
    for node in model.graph.node:
        if node.op_type == "Cast":
            for attr in node.attribute:
                if attr.name == "to" and attr.i == onnx.TensorProto.FLOAT:
                    attr.i = onnx.TensorProto.FLOAT16
    onnx.checker.check_model(model)
    onnx.save(model, str(dst))


def to_int8(src: Path, dst: Path) -> None:
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(str(src), str(dst), weight_type=QuantType.QInt8, op_types_to_quantize=["MatMul"])


# ---------------------------------------------------------------- reference inputs


def reference_images() -> dict[str, np.ndarray]:
    """Deterministic RGB test patterns: two at the model's size, one to shrink 2x, one off-size."""
    rng = np.random.default_rng(7)
    out = {}
    y, x = np.mgrid[0:256, 0:256].astype(np.float64)
    out["gradient-256.png"] = np.stack(
        [x, y, (np.sin(x / 9.0) * np.cos(y / 13.0) + 1) * 127.5], -1
    ).clip(0, 255).astype(np.uint8)
    blocks = rng.integers(0, 256, (16, 16, 3), dtype=np.uint8)
    out["blocks-256.png"] = np.kron(blocks, np.ones((16, 16, 1), dtype=np.uint8))
    y, x = np.mgrid[0:512, 0:512].astype(np.float64)
    tiles = np.kron(rng.integers(0, 256, (32, 32), dtype=np.uint8), np.ones((16, 16), dtype=np.uint8))
    out["tiles-512.png"] = np.stack([tiles, x / 2, 255 - y / 2], -1).clip(0, 255).astype(np.uint8)
    y, x = np.mgrid[0:200, 0:300].astype(np.float64)
    out["stripes-300x200.png"] = np.stack(
        [((x // 10) % 2) * 200 + 30, y * 1.2, (np.cos((x + y) / 7.0) + 1) * 100], -1
    ).clip(0, 255).astype(np.uint8)
    return out


# ---------------------------------------------------------------- main


def build_random(size: str, work: Path, seed: int):
    from transformers import SiglipConfig, SiglipImageProcessor, SiglipModel, SiglipTokenizer

    torch.manual_seed(seed)
    slow = SiglipTokenizer(vocab_file=str(train_tiny_spm(work)), model_max_length=TEXT_MAX_LENGTH)
    spec = CONFIGS[size]
    text = dict(spec["text"], vocab_size=spec["vocab_size"] or slow.vocab_size)
    config = SiglipConfig(text_config=text, vision_config=spec["vision"])
    config._attn_implementation = "eager"
    model = SiglipModel(config).eval()
    with torch.no_grad():
        # Random weights: logit scale and bias set so that probabilities spread over (0, 1).
        model.logit_scale.fill_(math.log(8.0))
        model.logit_bias.fill_(-0.5)
    processor = SiglipImageProcessor(size={"height": 256, "width": 256})
    return model, slow, processor, f"git-rsclip-{size}-random-seed{seed}"


def load_checkpoint(folder: Path):
    from transformers import SiglipImageProcessor, SiglipModel, SiglipTokenizer

    if not (folder / "config.json").is_file():
        fail(f"{folder} is not a Hugging Face checkpoint folder (no config.json)")
    model = SiglipModel.from_pretrained(str(folder), attn_implementation="eager").eval()
    slow = SiglipTokenizer.from_pretrained(str(folder))
    processor = SiglipImageProcessor.from_pretrained(str(folder))
    return model, slow, processor


def preprocessing_of(processor) -> dict:
    from transformers.image_utils import PILImageResampling

    names = {PILImageResampling.BICUBIC: "bicubic", PILImageResampling.BILINEAR: "bilinear",
             PILImageResampling.NEAREST: "nearest"}
    resample = names.get(PILImageResampling(processor.resample))
    if resample is None or not processor.do_resize:
        fail(f"unsupported image processor resize: do_resize={processor.do_resize} resample={processor.resample}")
    size = processor.size
    if size.get("height") != size.get("width"):
        fail(f"unsupported non-square image size {size}")
    return {
        "image_size": int(size["height"]),
        "resample": resample,
        "rescale_factor": float(processor.rescale_factor) if processor.do_rescale else 1.0,
        "mean": [float(v) for v in processor.image_mean] if processor.do_normalize else [0.0, 0.0, 0.0],
        "std": [float(v) for v in processor.image_std] if processor.do_normalize else [1.0, 1.0, 1.0],
        "channel_order": "rgb",
        "layout": "nchw",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--checkpoint", type=Path, help="Hugging Face checkpoint folder (SiglipModel)")
    source.add_argument("--random", choices=sorted(CONFIGS), help="build a seeded random model of this size")
    source.add_argument("--tiny-random", action="store_true", help="same as --random tiny --references")
    parser.add_argument("--out", type=Path, required=True, help="model folder to write")
    parser.add_argument("--towers", choices=["both", "vision"], default="both", help="which towers to export")
    parser.add_argument("--fp16", action="store_true", help="also write float16 towers")
    parser.add_argument("--int8", action="store_true", help="also write a dynamically quantised int8 vision tower")
    parser.add_argument("--references", action="store_true", help="write PyTorch reference outputs")
    parser.add_argument("--model-id", help="model id stored with every vector (default: from the source)")
    parser.add_argument("--seed", type=int, default=0, help="seed of --random")
    parser.add_argument("--opset", type=int, default=17, help="ONNX opset")
    args = parser.parse_args()
    if args.tiny_random:
        args.random, args.references = "tiny", True

    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    # The slow tokenizer keeps reading its SentencePiece file: the folder lives until the end.
    work = tempfile.TemporaryDirectory()
    if args.random:
        model, slow, processor, default_id = build_random(args.random, Path(work.name), args.seed)
    else:
        model, slow, processor = load_checkpoint(args.checkpoint)
        default_id = "lcybuaa1111/Git-RSCLIP"
    model_id = args.model_id or default_id

    dimension = int(model.config.vision_config.hidden_size)
    text_dim = int(model.config.text_config.projection_size)
    if text_dim != dimension:
        fail(f"vision dimension {dimension} differs from text projection {text_dim}")
    preprocessing = preprocessing_of(processor)
    size = preprocessing["image_size"]
    with_mask = "attention_mask" in slow.model_input_names
    text_inputs = ["input_ids", "attention_mask"] if with_mask else ["input_ids"]

    # Tokenizer: tokenizer.json converted from the SentencePiece model, checked against the slow one.
    fast = convert_tokenizer(slow)
    check_tokenizer(slow, fast, TEXT_MAX_LENGTH)
    if args.towers == "both":
        fast.save(str(out / "tokenizer.json"))

    # Towers.
    probe_pixels = torch.from_numpy(np.random.default_rng(1).uniform(-1, 1, (2, 3, size, size)).astype(np.float32))
    probe_text = slow(["a river", "fields"], padding="max_length", max_length=TEXT_MAX_LENGTH, return_tensors="pt")
    files: dict[str, dict[str, str]] = {"vision": {"fp32": "vision.onnx"}, "text": {"fp32": "text.onnx"}}
    export_onnx(VisionTower(model), (probe_pixels,), ["pixel_values"], "image_embeds", out / "vision.onnx", args.opset)
    towers = ["vision"]
    if args.towers == "both":
        text_args = tuple(probe_text[name] for name in text_inputs)
        export_onnx(TextTower(model, with_mask), text_args, text_inputs, "text_embeds", out / "text.onnx", args.opset)
        towers.append("text")
    else:
        del files["text"]

    # The ONNX towers must reproduce PyTorch before anything else is written.
    with torch.no_grad():
        want_v = model.get_image_features(pixel_values=probe_pixels).numpy()
        got_v = ort_run(out / "vision.onnx", {"pixel_values": probe_pixels.numpy()})
        print(f"vision onnx vs torch: min cosine {cosines(want_v, got_v).min():.8f}")
        if cosines(want_v, got_v).min() < 0.99999:
            fail("exported vision tower does not reproduce PyTorch")
        if "text" in towers:
            want_t = model.get_text_features(**{k: probe_text[k] for k in text_inputs}).numpy()
            got_t = ort_run(out / "text.onnx", {k: probe_text[k].numpy() for k in text_inputs})
            print(f"text onnx vs torch: min cosine {cosines(want_t, got_t).min():.8f}")
            if cosines(want_t, got_t).min() < 0.99999:
                fail("exported text tower does not reproduce PyTorch")

    if args.fp16:
        for tower in towers:
            name = f"{tower}_fp16.onnx"
            to_fp16(out / f"{tower}.onnx", out / name)
            files[tower]["fp16"] = name
    if args.int8:
        to_int8(out / "vision.onnx", out / "vision_int8.onnx")
        files["vision"]["int8"] = "vision_int8.onnx"

    manifest = {
        "format": MANIFEST_FORMAT,
        "model_id": model_id,
        "architecture": "siglip",
        "dimension": dimension,
        "vision": {"input": "pixel_values", "output": "image_embeds", "files": files["vision"]},
        "preprocessing": preprocessing,
        "logit_scale": float(model.logit_scale.item()),
        "logit_bias": float(model.logit_bias.item()),
        "files": {},
    }
    if "text" in towers:
        manifest["text"] = {"inputs": text_inputs, "output": "text_embeds", "files": files["text"]}
        manifest["tokenizer"] = {
            "file": "tokenizer.json",
            "max_length": TEXT_MAX_LENGTH,
            "pad_id": int(slow.pad_token_id),
            "eos_id": int(slow.eos_token_id),
        }

    if args.references:
        write_references(out, model, slow, processor, text_inputs)

    listed = ["tokenizer.json"] if "text" in towers else []
    listed += [name for tower in files.values() for name in tower.values()]
    manifest["files"] = {name: {"sha256": sha256(out / name), "bytes": (out / name).stat().st_size} for name in listed}
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    print(f"wrote {out} ({model_id}, dimension {dimension}, files: {', '.join(listed)})")
    work.cleanup()


def write_references(out: Path, model, slow, processor, text_inputs: list[str]) -> None:
    """PyTorch outputs for fixed PNGs and prompts, through the HF processor, for the parity tests."""
    folder = out / "references"
    folder.mkdir(exist_ok=True)
    images = []
    for name, array in reference_images().items():
        Image.fromarray(array).save(folder / name, optimize=True)
        images.append(name)
    pil = [Image.open(folder / name).convert("RGB") for name in images]
    pixel_values = processor(images=pil, return_tensors="pt")["pixel_values"]
    tokens = slow(REFERENCE_PROMPTS, padding="max_length", max_length=TEXT_MAX_LENGTH, truncation=True,
                  return_tensors="pt")
    with torch.no_grad():
        outputs = model(pixel_values=pixel_values, **{k: tokens[k] for k in text_inputs})
        image_embeds = model.get_image_features(pixel_values=pixel_values)
        text_embeds = model.get_text_features(**{k: tokens[k] for k in text_inputs})
        probabilities = torch.sigmoid(outputs.logits_per_image)
    image_norm = image_embeds / image_embeds.norm(dim=-1, keepdim=True)
    cross = (image_norm @ image_norm.T).numpy()
    print("reference images, cosine between each pair:\n", np.round(cross, 4))
    references = {
        "torch": torch.__version__,
        "images": [
            {"file": f"references/{name}", "width": im.width, "height": im.height,
             "embedding": [float(v) for v in image_embeds[i]]}
            for i, (name, im) in enumerate(zip(images, pil))
        ],
        "prompts": [
            {"text": text, "input_ids": [int(v) for v in tokens["input_ids"][i]],
             "embedding": [float(v) for v in text_embeds[i]]}
            for i, text in enumerate(REFERENCE_PROMPTS)
        ],
        "probabilities": [[float(p) for p in row] for row in probabilities],
        "tokenizer_checks": [
            {"text": text,
             "input_ids": slow(text, padding="max_length", max_length=TEXT_MAX_LENGTH, truncation=True)["input_ids"]}
            for text in TOKENIZER_CHECKS
        ],
    }
    (out / "references.json").write_text(json.dumps(references) + "\n")


if __name__ == "__main__":
    main()
