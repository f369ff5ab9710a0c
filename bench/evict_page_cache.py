#!/usr/bin/env python3
"""Drops a data directory's SST files from the OS page cache, repeatedly.

    bench/evict_page_cache.py DIR SECONDS [INTERVAL]

posix_fadvise(POSIX_FADV_DONTNEED) on every *.sst file under DIR every
INTERVAL seconds (default 0.2) for SECONDS seconds, so reads of blocks that
are not in RocksDB's block cache go to the disk, as they would on a node
whose data is much larger than its RAM. Needs no privileges and touches
only those files.
"""
import os
import sys
import time


def evict(root):
    for d, _, files in os.walk(root):
        for f in files:
            if not f.endswith(".sst"):
                continue
            try:
                fd = os.open(os.path.join(d, f), os.O_RDONLY)
            except OSError:
                continue  # compacted away meanwhile
            try:
                os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
            finally:
                os.close(fd)


def main():
    root, seconds = sys.argv[1], float(sys.argv[2])
    interval = float(sys.argv[3]) if len(sys.argv) > 3 else 0.2
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        evict(root)
        time.sleep(interval)
    return 0


if __name__ == "__main__":
    sys.exit(main())
