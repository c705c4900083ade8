"""safetensors_np - read and write safetensors files with numpy only.

The format (https://github.com/huggingface/safetensors): an 8-byte
little-endian header length N, N bytes of JSON mapping each tensor name to
{"dtype", "shape", "data_offsets": [begin, end]} (offsets counted from the
first byte after the header; an optional "__metadata__" entry is skipped),
then the raw little-endian data.  Only the dtypes rnnc reads and writes are
supported: F64, F32, I32 (and I64 on reading).
"""
import json
import struct

import numpy as np

DTYPES = {"F64": np.dtype("<f8"), "F32": np.dtype("<f4"), "I32": np.dtype("<i4"), "I64": np.dtype("<i8")}
WRITABLE = {np.dtype("<f8"): "F64", np.dtype("<f4"): "F32", np.dtype("<i4"): "I32"}


def load(path):
    """Returns {name: numpy array} in file order.  Raises ValueError on a malformed file."""
    with open(path, "rb") as f:
        blob = f.read()
    if len(blob) < 8:
        raise ValueError(f"{path}: shorter than the 8-byte header length")
    (n,) = struct.unpack("<Q", blob[:8])
    if 8 + n > len(blob):
        raise ValueError(f"{path}: header length {n} runs past the end of the file")
    header = json.loads(blob[8:8 + n].decode("utf-8"))
    data = blob[8 + n:]
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        if info["dtype"] not in DTYPES:
            raise ValueError(f"{path}: tensor '{name}' has unsupported dtype {info['dtype']}")
        dtype = DTYPES[info["dtype"]]
        shape = tuple(info["shape"])
        begin, end = info["data_offsets"]
        if end - begin != dtype.itemsize * int(np.prod(shape, dtype=np.int64)) or end > len(data):
            raise ValueError(f"{path}: tensor '{name}' has data_offsets {begin}..{end} "
                             f"that do not fit its shape {list(shape)} or the file")
        tensors[name] = np.frombuffer(data[begin:end], dtype=dtype).reshape(shape).copy()
    return tensors


def save(path, tensors):
    """Writes {name: numpy array} (float64, float32 or int32) in insertion order."""
    header, chunks, offset = {}, [], 0
    for name, array in tensors.items():
        array = np.asarray(array)  # not ascontiguousarray: it turns a scalar into shape [1]
        dtype = array.dtype.newbyteorder("<")
        if dtype not in WRITABLE:
            raise ValueError(f"tensor '{name}': cannot write dtype {array.dtype}")
        raw = array.astype(dtype, copy=False).tobytes()
        header[name] = {"dtype": WRITABLE[dtype], "shape": list(array.shape),
                        "data_offsets": [offset, offset + len(raw)]}
        chunks.append(raw)
        offset += len(raw)
    text = json.dumps(header).encode("utf-8")
    text += b" " * (-len(text) % 8)  # keeps the data 8-byte aligned, as the reference writer does
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for raw in chunks:
            f.write(raw)
