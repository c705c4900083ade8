#!/usr/bin/env python3
"""make_seeds.py - writes the seed corpora of fuzz/'s targets from real files.

Run by the build (fuzz/CMakeLists.txt) into <build>/fuzz/seeds/TARGET/:
  safetensors  weights files `rnnc init` writes, and the checkpoints below
  checkpoint   checkpoints of 1-2 short `rnnc train --limit` runs (a series
               and a text, so history and vocabulary are there), a weights file
  data_idx     the first images and labels of Debian's Fashion-MNIST files
  data_idx_gz  the same, gzip'd
  data_csv     series as CSV (a header, ',' and ';' columns)
  data_text    slices of the repository's README.md
  data_text_dir  the same cut into files
  spec         every .lua file of specs/, tests/ and fuzz/
  blob         fuzz_tiny's parameters as blobs (blob_seed)
  tiles        tile profiles: one as `rnnc bench --tune` writes it, an empty one
Files of several parts are joined with the separator fuzz_util.h cuts at.

  make_seeds.py SOURCE_DIR OUT_DIR RNNC BLOB_SEED SEPARATOR
"""
import gzip
import math
import pathlib
import shutil
import subprocess
import sys

FMNIST = pathlib.Path("/usr/share/datasets/fashion-mnist")


def run(*args):
    subprocess.run([str(a) for a in args], check=True, stdout=subprocess.DEVNULL)


def idx_slices(train, test):
    """The four IDX files cut to `train` and `test` examples, in fuzz_data's order."""
    parts = []
    for split, n in (("train", train), ("t10k", test)):
        labels = gzip.open(FMNIST / f"{split}-labels-idx1-ubyte.gz").read(8 + n)
        images = gzip.open(FMNIST / f"{split}-images-idx3-ubyte.gz").read(16 + n * 28 * 28)
        parts.append(labels[:4] + n.to_bytes(4, "big") + labels[8:])
        parts.append(images[:4] + n.to_bytes(4, "big") + images[8:])
    return parts


def seed_idx(out, sep):
    for train, test in ((3, 2), (1, 1)):
        parts = idx_slices(train, test)
        (out / "data_idx" / f"fmnist_{train}_{test}").write_bytes(sep.join(parts))
        gz = [gzip.compress(p, mtime=0) for p in parts]
        (out / "data_idx_gz" / f"fmnist_{train}_{test}").write_bytes(sep.join(gz))


def seed_csv(out):
    values = [math.sin(2 * math.pi * t / 12) for t in range(48)]
    (out / "data_csv" / "sine.csv").write_text(
        "t,value\n" + "".join(f"{v:.6f},{t}\n" for t, v in enumerate(values)))
    (out / "data_csv" / "semicolons.csv").write_text(
        "".join(f"{v:.3g};x\r\n" for v in values[:20]) + "\n\n")


def seed_text(src, out, sep):
    text = (src / "README.md").read_bytes()
    (out / "data_text" / "readme_head").write_bytes(text[:1500])
    (out / "data_text" / "readme_code").write_bytes(text[text.index(b"```lua"):][:600])
    (out / "data_text_dir" / "readme_3").write_bytes(sep.join([text[:300], text[300:700], text[700:800]]))
    return text[:4000]


# Specs that run into the front end's limits: under ASan one run takes 0.4 s
# (1e8 instructions) and 5 s (256 MB), and their mutants as long, which cut
# fuzz_spec's speed tenfold.  tests/bad_specs checks those limits.
SLOW_SPECS = {"endless_loop.lua", "memory_hog.lua"}


def seed_specs(src, out):
    for pattern in ("specs/*.lua", "tests/**/*.lua", "fuzz/*.lua"):
        for f in sorted(src.glob(pattern)):
            if f.name not in SLOW_SPECS:
                shutil.copy(f, out / "spec" / f"{f.parent.name}_{f.name}")


def seed_tiles(out):
    header = "rnnc-tiles 1 0123456789abcdef\n"
    (out / "tiles" / "tuned").write_text(
        header + "# measured by rnnc bench --tune\n# M N K ta tb dtype tiles\n"
        "1792 512 28 0 0 f32 wide\n64 128 10 0 0 f32 portable\n512 128 1728 1 0 f64 wide\n")
    (out / "tiles" / "empty").write_text(header)


def seed_weights(src, out, rnnc, text):
    """rnnc init and rnnc train; the files go to safetensors/ and checkpoint/."""
    work = out / "work"
    work.mkdir(exist_ok=True)
    for spec, dtype in (("tests/train/sine_tiny.lua", "f32"), ("fuzz/fuzz_chars.lua", "f32"),
                        ("fuzz/fuzz_tiny.lua", "f64")):
        name = pathlib.Path(spec).stem
        run(rnnc, "init", src / spec, "-o", out / "safetensors" / f"{name}_{dtype}", "--dtype", dtype)
    shutil.copy(out / "safetensors" / "fuzz_tiny_f64", out / "checkpoint" / "weights")
    (work / "text.txt").write_bytes(text)
    for spec, data, epochs in (("tests/train/sine_tiny.lua", "sine", 2),
                               ("fuzz/fuzz_chars.lua", work / "text.txt", 1)):
        name = pathlib.Path(spec).stem
        ckpt = work / f"{name}.safetensors"  # train may write more files next to it
        run(rnnc, "train", src / spec, "--data", data, "--epochs", epochs, "--limit", 16,
            "--backend", "interp", "-o", ckpt)
        for target in ("checkpoint", "safetensors"):
            shutil.copy(ckpt, out / target / f"{name}_ckpt")
    shutil.rmtree(work)


def main():
    src, out, rnnc, blob_seed, sep = sys.argv[1:6]
    src, out, sep = pathlib.Path(src), pathlib.Path(out), sep.encode()
    targets = ("safetensors", "checkpoint", "data_idx", "data_idx_gz", "data_csv", "data_text",
               "data_text_dir", "spec", "blob", "tiles")
    for t in targets:
        shutil.rmtree(out / t, ignore_errors=True)
        (out / t).mkdir(parents=True)
    seed_idx(out, sep)
    seed_csv(out)
    text = seed_text(src, out, sep)
    seed_specs(src, out)
    seed_tiles(out)
    seed_weights(src, out, rnnc, text)
    run(blob_seed, out / "blob")


if __name__ == "__main__":
    main()
