#!/usr/bin/python3
"""Writes crafted bad inputs into src/test/resources/fixtures/hostile/.

Every FILE gets FILE.expect.txt: one line, a lowercase substring that the reader's one-line
FormatException message must contain (compare case-insensitively). The words follow the
vocabulary in the README.md this script writes next to the files. A reader must reject
every file with a FormatException, in bounded memory (-Xmx256m), without executing,
inflating or allocating what the file merely claims.

Standard library only; no torch needed. Files that must look like real checkpoints are
derived from the checked-in real-PyTorch fixtures in fixtures/torch/ (bytesio.pt: two
float32 tensors, weight (3,4) in data/0 and bias (4,) in data/1; legacy_state_dict.pt), so
the output is byte-identical on every run with the same zlib. Rerun from the repository root
after make_fixtures.py:

    /usr/bin/python3 modelstash-format/src/test/python/make_hostile.py
"""

import io
import os
import pickle
import pickletools
import random
import struct
import zipfile
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.normpath(os.path.join(HERE, "..", "resources", "fixtures"))
TORCH = os.path.join(FIXTURES, "torch")
OUT = os.path.join(FIXTURES, "hostile")

PREFIX = "archive/"
ALIGN = 64  # PyTorch aligns record data to 64 bytes with an "FB" extra field
ZIP64_LIMIT = 0xFFFFFFFF

# The words a message must contain, by kind of defect (written to README.md).
VOCABULARY = [
    ("module.name", "a refused GLOBAL is named as `module.name` (e.g. `os.system`, "
                    "`subprocess.popen` after lowercasing)"),
    ("truncated", "the input ends before a structure it declares: no end-of-central-directory "
                  "record, a record, header or storage cut short, an entry whose data runs past "
                  "the central directory or the end of the file"),
    ("size", "two declared sizes disagree: storage numel x element size vs. record size, a "
             "deflated stream vs. its declared size"),
    ("overflow", "size arithmetic overflows 64 bits (numel x element size, products of shapes)"),
    ("duplicate", "two zip entries with the same name"),
    ("overlap", "zip entries whose byte ranges overlap"),
    ("depth", "container nesting, MARK stack or value stack beyond the reader's limit"),
    ("header", "a safetensors header length that is past the end of the file or too large"),
    ("format", "the bytes are no known checkpoint format"),
    ("empty", "a zero-length input"),
    ("<entry name>", "a bad zip entry name is quoted in the message (`../../x`, `/abs`)"),
]


# ---------------------------------------------------------------------------------------------
# A small zip writer that can lie


def local_header(name, method, crc, csize, usize, data_start_at=None, zip64=False):
    """Local file header; pads to `data_start_at` % ALIGN == 0 with an FB field, as torch does."""
    name_b = name.encode("utf-8")
    extra = b""
    if zip64:
        extra += struct.pack("<HHQQ", 0x0001, 16, usize, csize)
        csize = usize = ZIP64_LIMIT
    if data_start_at is not None:
        start = data_start_at + 30 + len(name_b) + len(extra) + 4
        pad = (ALIGN - start % ALIGN) % ALIGN
        extra += struct.pack("<HH", 0x4246, pad) + b"Z" * pad
    version = 45 if zip64 else 20
    return (
        struct.pack(
            "<IHHHHHIIIHH",
            0x04034B50, version, 0x0800, method, 0, 0, crc, csize, usize, len(name_b), len(extra),
        )
        + name_b
        + extra
    )


def central_header(name, method, crc, csize, usize, lho):
    name_b = name.encode("utf-8")
    extra = b""
    if usize >= ZIP64_LIMIT or csize >= ZIP64_LIMIT:
        extra = struct.pack("<HHQQ", 0x0001, 16, usize, csize)
        usize = csize = ZIP64_LIMIT
    version = 45 if extra else 20
    return (
        struct.pack(
            "<IHHHHHHIIIHHHHHII",
            0x02014B50, version, version, 0x0800, method, 0, 0, crc, csize, usize,
            len(name_b), len(extra), 0, 0, 0, 0, lho,
        )
        + name_b
        + extra
    )


def end_records(count, cd_offset, cd_size):
    return struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, count, count, cd_size, cd_offset, 0)


class Entry:
    """One zip entry. `declared_*` override what the headers claim about `data`."""

    def __init__(self, name, data, method=0, usize=None, crc=None, declared_size=None):
        self.name = name
        self.data = data  # the bytes physically written (compressed when method is 8)
        self.method = method
        self.usize = len(data) if usize is None else usize
        self.crc = zlib.crc32(data) if crc is None else crc
        if declared_size is not None:  # a stored entry that claims another size
            self.usize = declared_size
        self.csize = len(data) if declared_size is None else declared_size


def build_zip(entries, cd_order=None):
    """Entries laid out in order, each aligned like torch; the central directory in cd_order."""
    out = bytearray()
    offsets = {}
    for i, e in enumerate(entries):
        offsets[i] = len(out)
        zip64 = e.usize >= ZIP64_LIMIT or e.csize >= ZIP64_LIMIT
        out += local_header(e.name, e.method, e.crc, e.csize, e.usize, len(out), zip64)
        out += e.data
    cd_offset = len(out)
    for i in cd_order if cd_order is not None else range(len(entries)):
        e = entries[i]
        out += central_header(e.name, e.method, e.crc, e.csize, e.usize, offsets[i])
    count = len(entries) if cd_order is None else len(cd_order)
    out += end_records(count, cd_offset, len(out) - cd_offset)
    return bytes(out)


def torch_entries(path):
    """(record name without prefix, bytes) of a real torch zip, in central-directory order."""
    with zipfile.ZipFile(path) as z:
        out = []
        for info in z.infolist():
            out.append((info.filename.split("/", 1)[1], z.read(info)))
        return out


def torch_zip(records, **replace):
    """A torch zip with prefix archive/ from (record, bytes) pairs; replace={record: bytes}."""
    entries = []
    for record, data in records:
        entries.append(Entry(PREFIX + record, replace.pop(record, data)))
    assert not replace, replace
    return entries


# ---------------------------------------------------------------------------------------------
# Pickle surgery on real data.pkl bytes


def ops(pkl):
    """(opcode name, arg, start, end) for every opcode."""
    items = list(pickletools.genops(pkl))
    out = []
    for i, (op, arg, pos) in enumerate(items):
        end = items[i + 1][2] if i + 1 < len(items) else len(pkl)
        out.append((op.name, arg, pos, end))
    return out


def binunicode(s):
    b = s.encode("utf-8")
    return b"X" + struct.pack("<I", len(b)) + b


def pickle_int(n):
    """n as CPython protocol 2 writes it (BININT1, BININT2, BININT or LONG1)."""
    return pickle.dumps(n, protocol=2)[2:-1]


def inject_call(pkl, module, name, arg):
    """Adds the item 'payload': module.name(arg) to the root dict of a torch data.pkl."""
    seq = ops(pkl)
    assert seq[-1][0] == "STOP" and seq[-2][0] == "SETITEMS", "expected a dict root"
    at = seq[-2][2]
    call = (
        binunicode("payload")
        + b"c" + module.encode() + b"\n" + name.encode() + b"\n"
        + binunicode(arg)
        + b"\x85"  # TUPLE1
        + b"R"  # REDUCE
    )
    return pkl[:at] + call + pkl[at:]


def set_storage_numel(pkl, key, numel):
    """Rewrites the numel of the first persistent id naming storage `key`."""
    seq = [op for op in ops(pkl) if op[0] not in ("BINPUT", "LONG_BINPUT")]
    for i, (name, arg, _, _) in enumerate(seq):
        if name == "BINUNICODE" and arg == key and seq[i - 1][0] == "GLOBAL":
            numel_op = seq[i + 2]  # after the location string
            assert numel_op[0] in ("BININT1", "BININT2", "BININT", "LONG1"), numel_op
            return pkl[: numel_op[2]] + pickle_int(numel) + pkl[numel_op[3] :]
    raise ValueError("no storage %r with a literal persistent id" % key)


# ---------------------------------------------------------------------------------------------
# The hostile files


def deflate_zeros(total, chunk=1 << 20):
    """(raw deflate stream, crc32) of `total` zero bytes, built in bounded memory."""
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    zeros = bytes(chunk)
    parts, crc = [], 0
    for _ in range(total // chunk):
        parts.append(comp.compress(zeros))
        crc = zlib.crc32(zeros, crc)
    parts.append(comp.flush())
    return b"".join(parts), crc


def overlapping_chain(base_records, links):
    """Fifield's overlap: each chain entry's stored data is the next entry's header and data."""
    records = dict(base_records)
    head = [Entry(PREFIX + r, records[r]) for r in ("data.pkl", "data/1", "version")]
    # Innermost first: data/0 holds the real weight bytes, so its own size matches the pickle.
    names = [PREFIX + "data/0"] + [PREFIX + "data/%d" % (1000 + i) for i in range(links)]
    block = b""
    headers = []  # (name, crc, size, offset of its local header within the final block)
    payload = records["data/0"]
    for name in names:
        data = payload if not block else block
        lh = local_header(name, 0, zlib.crc32(data), len(data), len(data))
        headers.append((name, zlib.crc32(data), len(data), lh))
        block = lh + data
    out = bytearray()
    cd = []
    for e in head:
        lho = len(out)
        out += local_header(e.name, 0, e.crc, e.csize, e.usize, lho) + e.data
        cd.append(central_header(e.name, 0, e.crc, e.csize, e.usize, lho))
    chain_start = len(out)
    out += block
    pos = chain_start
    for name, crc, size, lh in reversed(headers):  # outermost header comes first in the file
        cd.append(central_header(name, 0, crc, size, size, pos))
        pos += len(lh)
    cd_offset = len(out)
    out += b"".join(cd)
    out += end_records(len(cd), cd_offset, len(out) - cd_offset)
    return bytes(out)


def legacy_layout(data):
    """End offsets of the five legacy pickles (magic, protocol, sys_info, main, keys)."""
    f = io.BytesIO(data)
    ends = []
    for _ in range(5):
        for _ in pickletools.genops(f):
            pass
        ends.append(f.tell())
    return ends


def safetensors_header(n_declared, header, data):
    return struct.pack("<Q", n_declared) + header + data


def hostile_files():
    """(file name, bytes, expected substring, what it is)."""
    base = torch_entries(os.path.join(TORCH, "bytesio.pt"))
    records = dict(base)
    pkl = records["data.pkl"]
    base_bytes = open(os.path.join(TORCH, "bytesio.pt"), "rb").read()
    files = []

    def add(name, data, expect, what):
        files.append((name, data, expect, what))

    calls = [
        ("global-os-system.pt", "os", "system", "echo modelstash-hostile-fixture", "os.system"),
        ("global-posix-system.pt", "posix", "system", "echo modelstash-hostile-fixture",
         "posix.system"),
        ("global-builtins-eval.pt", "builtins", "eval", "'modelstash-hostile-fixture'",
         "builtins.eval"),
        ("global-subprocess-popen.pt", "subprocess", "Popen", "true", "subprocess.popen"),
        ("global-torch-load.pt", "torch", "load", "modelstash-hostile-fixture.pt", "torch.load"),
    ]
    for fname, module, name, arg, expect in calls:
        data = build_zip(torch_zip(base, **{"data.pkl": inject_call(pkl, module, name, arg)}))
        add(fname, data, expect,
            "valid torch zip whose root dict also holds `%s.%s(%r)` (GLOBAL + REDUCE)"
            % (module, name, arg))

    for cut, where in [
        (4, "after the 4-byte local header signature"),
        (40, "inside the first local header's file name"),
        (64 + len(pkl) // 2, "in the middle of data.pkl"),
        (base_bytes.index(records["data/0"]) + 24, "in the middle of data/0"),
        (base_bytes.rindex(b"PK\x01\x02") + 30, "inside the last central-directory entry"),
        (len(base_bytes) - 10, "inside the end-of-central-directory record"),
        (len(base_bytes) - 1, "one byte short"),
    ]:
        add("truncated-zip-at-%d.pt" % cut, base_bytes[:cut], "truncated",
            "bytesio.pt cut at byte %d of %d, %s" % (cut, len(base_bytes), where))

    rnd = random.Random(20240601)
    noise = bytes(rnd.getrandbits(8) for _ in range(4096))
    assert noise[:1] not in (b"P", b"\x80", b"\x1f"), "pick another seed"
    add("random-4k.bin", noise, "format", "4096 random bytes")
    add("random-after-zip-magic.pt", b"PK\x03\x04" + noise, "truncated",
        "zip magic followed by 4096 random bytes: no end-of-central-directory record")
    add("empty.pt", b"", "empty", "a zero-length file")

    bomb, crc = deflate_zeros(1 << 30)
    entries = torch_zip(base)
    entries[1] = Entry(PREFIX + "data/0", bomb, method=8, usize=1 << 30, crc=crc)
    add("zip-bomb-deflate.pt", build_zip(entries), "size",
        "data/0 is 1 GiB of zeros deflated (declared honestly in the headers) but the pickle "
        "declares a 12-float storage: check sizes before inflating anything")
    bomb, crc = deflate_zeros(256 << 20)
    entries = torch_zip(base)
    entries[1] = Entry(PREFIX + "data/0", bomb, method=8, usize=48, crc=crc)
    add("zip-bomb-deflate-lying.pt", build_zip(entries), "size",
        "data/0 declares 48 bytes (matching the pickle) but its deflate stream inflates to "
        "256 MiB of zeros: inflate at most the declared size and fail on the rest")

    add("zip-overlapping-entries.pt", overlapping_chain(base, 200), "overlap",
        "201 entries data/0, data/1000..data/1199 whose stored data quote each other's local "
        "header and data (David Fifield's overlap bomb); data/0 itself is consistent")

    terabyte = 1 << 40
    entries = torch_zip(
        base, **{"data.pkl": set_storage_numel(pkl, "0", terabyte // 4)}
    )
    by_name = {e.name: e for e in entries}
    claim = Entry(PREFIX + "data/0", records["data/0"], declared_size=terabyte)
    order = [by_name[PREFIX + "data.pkl"], by_name[PREFIX + "data/1"],
             by_name[PREFIX + "version"], claim]
    add("zip-stored-claims-terabytes.pt", build_zip(order, cd_order=[0, 3, 1, 2]),
        "truncated",
        "stored data/0 claims 2^40 bytes (ZIP64 sizes, pickle numel 2^38 floats agrees) in a "
        "small file; it is the last entry, so its data would run past the central directory")

    entries = torch_zip(base) + [Entry(PREFIX + "data/0", bytes(48))]
    add("zip-duplicate-entry.pt", build_zip(entries), "duplicate",
        "two archive/data/0 entries with different bytes (PyTorch, Python and Java read the "
        "last)")
    for fname, bad in [("zip-name-traversal.pt", "../../x"), ("zip-name-absolute.pt", "/abs")]:
        entries = torch_zip(base) + [Entry(bad, b"x")]
        add(fname, build_zip(entries), bad, "valid torch zip plus an entry named `%s`" % bad)

    for fname, numel, expect, what in [
        ("storage-numel-larger.pt", 13, "size", "declares 13 floats for a 48-byte record"),
        ("storage-numel-smaller.pt", 11, "size", "declares 11 floats for a 48-byte record"),
        ("storage-numel-overflow.pt", 1 << 62, "overflow",
         "declares 2^62 floats (LONG1): numel x 4 overflows 64 bits"),
    ]:
        data = build_zip(torch_zip(base, **{"data.pkl": set_storage_numel(pkl, "0", numel)}))
        add(fname, data, expect, "storage 0 of bytesio.pt " + what)

    depth = 1_000_000
    nested = b"\x80\x02" + b"]" * depth + b"a" * (depth - 1) + b"."
    add("pickle-deep-nesting.pt",
        build_zip([Entry(PREFIX + "data.pkl", nested), Entry(PREFIX + "version", b"3\n")]),
        "depth",
        "data.pkl is EMPTY_LIST x 1,000,000 then APPEND x 999,999: lists nested a million deep")

    legacy = open(os.path.join(TORCH, "legacy_state_dict.pt"), "rb").read()
    ends = legacy_layout(legacy)
    add("legacy-truncated-in-storage.pt", legacy[: len(legacy) - 5], "truncated",
        "legacy_state_dict.pt without its last 5 bytes (inside the last storage's data)")
    add("legacy-truncated-in-pickle.pt", legacy[: (ends[2] + ends[3]) // 2], "truncated",
        "legacy_state_dict.pt cut in the middle of the main pickle")

    header = b'{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}'
    header += b" " * (-len(header) % 8)
    tensor = struct.pack("<2f", 1.0, 2.0)
    add("safetensors-header-past-eof.safetensors",
        safetensors_header(len(header) + 4096, header, tensor), "header",
        "a valid header and 8 data bytes, but N claims 4096 more header bytes than the file has")
    add("safetensors-header-too-large.safetensors",
        safetensors_header(1 << 40, header, tensor), "header",
        "N = 2^40, far beyond the 100 MB header limit and the file")
    return files


def readme(files):
    lines = [
        "# Hostile inputs",
        "",
        "Generated by `modelstash-format/src/test/python/make_hostile.py`; do not edit by hand.",
        "Every reader must reject each file with a one-line `FormatException` whose message",
        "contains, ignoring case, the line in `FILE.expect.txt`; in bounded memory (`-Xmx256m`),",
        "without running, inflating or allocating anything the file only claims.",
        "",
        "## Message vocabulary",
        "",
        "| word | used when |",
        "|---|---|",
    ]
    lines += ["| `%s` | %s |" % (w, why) for w, why in VOCABULARY]
    lines += ["", "## Files", "", "| file | bytes | expect | what |", "|---|---|---|---|"]
    lines += ["| `%s` | %d | `%s` | %s |" % (n, len(d), e, w) for n, d, e, w in files]
    lines += [
        "",
        "PyTorch 1.13.1 `torch.load(weights_only=True)` (checked once by hand) refuses the",
        "others but loads these without complaint: `storage-numel-larger.pt`,",
        "`zip-bomb-deflate.pt` (it inflates the whole GiB), `zip-bomb-deflate-lying.pt`,",
        "`zip-duplicate-entry.pt` (reads the last copy), `zip-overlapping-entries.pt` and",
        "`pickle-deep-nesting.pt`. Ours must refuse them all.",
        "",
    ]
    return "\n".join(lines)


def main():
    os.makedirs(OUT, exist_ok=True)
    files = hostile_files()
    for name, data, expect, _ in files:
        assert expect == expect.lower() and "\n" not in expect, expect
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(data)
        with open(os.path.join(OUT, name + ".expect.txt"), "w", encoding="utf-8") as f:
            f.write(expect + "\n")
        print("%-45s %10d  %s" % (name, len(data), expect))
    with open(os.path.join(OUT, "README.md"), "w", encoding="utf-8") as f:
        f.write(readme(files))


if __name__ == "__main__":
    main()
