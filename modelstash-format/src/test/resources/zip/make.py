"""Regenerates the zip test files. Run with the torch-enabled interpreter, from this directory:

    /usr/bin/python3 make.py            # small files (PyTorch 1.13.1 and Python zipfile)
    /usr/bin/python3 make.py --zip64    # also zip64-sparse.bin: needs ~4.3 GB of disk and RAM, ~30 s

zip64-sparse.bin holds a real torch.save file larger than 4 GiB without its all-zero payload:
u64 LE file size, u64 LE payload start, u64 LE payload end, the bytes before the payload, the
bytes after it. Every byte of [payload start, payload end) is zero.
"""
import io
import os
import struct
import sys
import zipfile

import torch

FIXED_TIME = (1980, 1, 1, 0, 0, 0)


def torch_files():
    # Saved to a path: the prefix is the file stem ("torch-path"). Thirteen storages, so 1.13
    # writes them in string order (data/0, data/1, data/10, ...), plus a zero-length record.
    state = {f"t{i}": torch.arange(i + 1, dtype=torch.float32) for i in range(12)}
    state["empty"] = torch.zeros(0, 3)
    state["half"] = torch.ones(3, 2, dtype=torch.float16)
    state["tied"] = state["t3"]
    torch.save(state, "torch-path.pt")

    # Saved to a buffer: the prefix is "archive".
    buf = io.BytesIO()
    torch.save({"w": torch.arange(6, dtype=torch.int64).reshape(2, 3), "s": torch.tensor(7.0)}, buf)
    with open("torch-buffer.pt", "wb") as f:
        f.write(buf.getvalue())


def zipfile_files():
    # Deflated and stored entries, sizes in the local header, as Python writes to a seekable file.
    with zipfile.ZipFile("python-deflate.zip", "w") as z:
        for name, data, method in [
            ("archive/data.pkl", b"\x80\x02}q\x00." * 50, zipfile.ZIP_DEFLATED),
            ("archive/data/0", bytes(range(256)) * 40, zipfile.ZIP_DEFLATED),
            ("archive/empty", b"", zipfile.ZIP_DEFLATED),
            ("archive/version", b"3\n", zipfile.ZIP_STORED),
        ]:
            info = zipfile.ZipInfo(name, date_time=FIXED_TIME)
            info.compress_type = method
            z.writestr(info, data)

    # Written to a non-seekable stream: bit 3 data descriptors with signature, ZIP64 local
    # extra fields (force_zip64) and therefore 24-byte descriptors.
    class Unseekable(io.RawIOBase):
        def __init__(self, f):
            self.f = f

        def writable(self):
            return True

        def write(self, b):
            return self.f.write(b)

    with open("python-stream.zip", "wb") as raw:
        with zipfile.ZipFile(Unseekable(raw), "w", compression=zipfile.ZIP_DEFLATED) as z:
            for name, data, zip64 in [
                ("s/a", b"hello " * 100, False),
                ("s/b", bytes(1000), True),
                ("s/c", b"x", True),
            ]:
                info = zipfile.ZipInfo(name, date_time=FIXED_TIME)
                info.compress_type = zipfile.ZIP_DEFLATED
                with z.open(info, "w", force_zip64=zip64) as w:
                    w.write(data)


def zip64_sparse():
    path = "/tmp/modelstash-zip64-big.pt"
    big = torch.zeros(2**30 + 16, dtype=torch.float32)  # 4 GiB + 64 bytes
    torch.save({"big": big, "small": torch.arange(4.0)}, path)
    size = os.path.getsize(path)
    with zipfile.ZipFile(path) as z:
        info = z.getinfo("modelstash-zip64-big/data/0")
        with open(path, "rb") as f:
            f.seek(info.header_offset + 26)
            n, m = struct.unpack("<HH", f.read(4))
            start = info.header_offset + 30 + n + m
            end = start + info.file_size
            f.seek(0)
            head = f.read(start)
            f.seek(end)
            tail = f.read()
    with open("zip64-sparse.bin", "wb") as out:
        out.write(struct.pack("<QQQ", size, start, end) + head + tail)
    os.remove(path)


if __name__ == "__main__":
    os.chdir(os.path.dirname(os.path.abspath(__file__)))
    assert torch.__version__.startswith("1.13"), torch.__version__
    torch_files()
    zipfile_files()
    if "--zip64" in sys.argv:
        zip64_sparse()
