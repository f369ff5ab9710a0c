#!/usr/bin/env python3
"""Writes RESP SET commands for keys key:000000000000.. with random values.

    bench/load_keys.py COUNT [VALUE_BYTES [FIRST]] | redis-cli -p PORT --pipe

COUNT keys from number FIRST (default 0).

Key names match redis-benchmark's `key:__rand_int__` with -r COUNT, so a
benchmark afterwards reads and overwrites keys that exist. Values are random
bytes (incompressible), which is what a memory comparison needs.
"""
import os
import sys


def main() -> int:
    count = int(sys.argv[1])
    size = int(sys.argv[2]) if len(sys.argv) > 2 else 100
    first = int(sys.argv[3]) if len(sys.argv) > 3 else 0
    out = sys.stdout.buffer
    head = b"*3\r\n$3\r\nSET\r\n$16\r\nkey:"
    mid = b"\r\n$%d\r\n" % size
    chunk = 10000
    for base in range(0, count, chunk):
        n = min(chunk, count - base)
        blob = os.urandom(size * n)
        parts = []
        for i in range(n):
            parts.append(head)
            parts.append(b"%012d" % (first + base + i))
            parts.append(mid)
            parts.append(blob[i * size:(i + 1) * size])
            parts.append(b"\r\n")
        out.write(b"".join(parts))
    out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
