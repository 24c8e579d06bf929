#!/usr/bin/env python3
"""Writes a synthetic drop for bench/verify.sh: one tar.zst per target holding large files of
incompressible bytes (plus a few small ones), with a manifest.yaml in crc.manifest/v1 that lists every
entry with its SHA-256, flags.txt and SHA256SUMS, so that `crc verify --deep` passes on it.

Usage: verify_drop.py OUT_DIR MB...   (one artifact per MB value, in MiB; the targets cycle through three
triples and then get numbered). The bytes come from a fixed AES-CTR key stream (openssl enc), so every
run writes the same drop."""
import hashlib, io, os, subprocess, sys, tarfile

def stream(nbytes, seed):
    """nbytes of a deterministic, incompressible stream."""
    p = subprocess.Popen(["openssl", "enc", "-aes-256-ctr", "-nosalt", "-K", "%064x" % seed,
                          "-iv", "%032x" % 7, "-in", "/dev/zero"], stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL)
    left = nbytes
    while left:
        b = p.stdout.read(min(left, 1 << 20))
        left -= len(b)
        yield b
    p.kill()
    p.wait()

class Gen(io.RawIOBase):
    def __init__(self, nbytes, seed):
        self.it, self.buf = stream(nbytes, seed), b""
    def readable(self):
        return True
    def readinto(self, b):
        while not self.buf:
            try:
                self.buf = next(self.it)
            except StopIteration:
                return 0
        n = min(len(b), len(self.buf))
        b[:n], self.buf = self.buf[:n], self.buf[n:]
        return n

def q(s):
    return '"' + s + '"'

def main():
    out, sizes = sys.argv[1], [int(x) for x in sys.argv[2:]]
    os.makedirs(out, exist_ok=True)
    triples = ["x86_64-linux-gnu", "aarch64-linux-gnu", "wasm32-wasi"]
    drop_id = "bench-1"
    arts = []
    for i, mb in enumerate(sizes):
        triple = triples[i] if i < len(triples) else "x86_64-linux-gnu"
        name = "noa-%s-%s%s.tar.zst" % (drop_id, triple, "" if i < len(triples) else "-%d" % i)
        path = os.path.join(out, name)
        z = subprocess.Popen(["zstd", "-q", "-1", "-T0", "-f", "-o", path], stdin=subprocess.PIPE)
        entries = []
        with tarfile.open(fileobj=z.stdin, mode="w|", format=tarfile.PAX_FORMAT) as tar:
            def add_dir(p):
                ti = tarfile.TarInfo(p); ti.type = tarfile.DIRTYPE; ti.mode = 0o755
                tar.addfile(ti); entries.append((p, "dir", 0o755, 0, ""))
            def add_file(p, size, seed, mode=0o644):
                ti = tarfile.TarInfo(p); ti.size = size; ti.mode = mode
                h = hashlib.sha256()
                class Tee(Gen):
                    def readinto(self, b):
                        n = Gen.readinto(self, b); h.update(bytes(b[:n])); return n
                tar.addfile(ti, io.BufferedReader(Tee(size, seed), 1 << 20))
                entries.append((p, "file", mode, size, h.hexdigest()))
            add_dir("bin"); add_file("bin/noa", 1 << 20, 100 + i, 0o755)
            add_dir("data")
            big = mb * (1 << 20)
            parts = max(1, big // (256 << 20))
            for k in range(parts):
                add_file("data/blob-%03d.bin" % k, big // parts, 1000 * (i + 1) + k)
        z.stdin.close()
        if z.wait() != 0:
            sys.exit("zstd failed")
        h, size = hashlib.sha256(), 0
        with open(path, "rb") as f:
            for b in iter(lambda: f.read(1 << 20), b""):
                h.update(b); size += len(b)
        arts.append((name, triple, size, h.hexdigest(), entries))
    flags = b"# crc flags.txt (synthetic drop for bench/verify.sh)\n"
    with open(os.path.join(out, "flags.txt"), "wb") as f:
        f.write(flags)
    targets = sorted(set(a[1] for a in arts), key=triples.index)
    m = ["schema: crc.manifest/v1", "drop_id: " + drop_id, "profile: edge",
         'created: "2026-11-01T12:00:00Z"', 'crc_version: "0.1.0"', "source:",
         '  commit: ""', "  dirty: false", "  tree_sha256: " + q("1" * 64), "optimization:",
         "  opt_level: z", "  lto: fat", "  codegen_units: 1", "  strip: true", "  debug_info: false",
         "features: []", "flags_sha256: " + q(hashlib.sha256(flags).hexdigest()), "targets:"]
    for t in targets:
        m += ["- triple: " + t, "  compiler: cc", "  compiler_version: cc 1", "  dialect: gcc",
              "  emulator: []", "  smoke:", "    ok: true", '    noa_version: "0.1.0"',
              "    triple: " + t, "    profile: edge", "    opt_level: z", "    lto: fat",
              "    features: []", "    target_kind: native"]
    m.append("artifacts:")
    for name, triple, size, sha, entries in arts:
        m += ["- path: " + name, "  target: " + triple, "  format: tar.zst", "  size: %d" % size,
              "  sha256: " + q(sha), "  entries:"]
        for p, typ, mode, esize, esha in entries:
            m += ["  - path: " + p, "    type: " + typ, '    mode: "%04o"' % mode]
            if typ == "file":
                m += ["    size: %d" % esize, "    sha256: " + q(esha)]
    text = ("\n".join(m) + "\n").encode()
    with open(os.path.join(out, "manifest.yaml"), "wb") as f:
        f.write(text)
    sums = {a[0]: a[3] for a in arts}
    sums["flags.txt"] = hashlib.sha256(flags).hexdigest()
    sums["manifest.yaml"] = hashlib.sha256(text).hexdigest()
    with open(os.path.join(out, "SHA256SUMS"), "w") as f:
        for k in sorted(sums):
            f.write("%s  %s\n" % (sums[k], k))

main()
