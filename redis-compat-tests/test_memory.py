"""MEMORY USAGE/PURGE/HELP: Cairn reports the size Redis would, so tools
that rank keys by it (redis-cli --memkeys) rank them alike."""

from compat import Step


def test_memory_usage_matches_redis_for_every_string_encoding(pair):
    steps = []
    values = ["1", "12345", "-7", "10000", "", "abc", "x" * 20, "x" * 44, "x" * 45, "x" * 100,
              "x" * 255, "x" * 256, "x" * 1000, "x" * 5000, "x" * 70000]
    keys = ["k", "k" * 31, "k" * 32, "k" * 255, "k" * 256]
    for i, v in enumerate(values):
        for key in keys:
            steps += [["SET", key, v], ["MEMORY", "USAGE", key]]
    steps += [
        "SET f 2", "INCRBYFLOAT f 1", "MEMORY USAGE f",
        "SETRANGE s 10 abc", "MEMORY USAGE s",
        "SET n 5", "COPY n n2", "MEMORY USAGE n2",
        "SET e v EX 100", "MEMORY USAGE e",
        "MEMORY USAGE nosuch",
        "MEMORY USAGE e SAMPLES 5",
        "MEMORY USAGE e SAMPLES 0",
        "MEMORY USAGE e samples 3",
    ]
    pair.check(steps)


def test_memory_errors_and_help(pair):
    pair.check([
        "MEMORY",
        "MEMORY USAGE",
        "MEMORY USAGE k SAMPLES",
        "MEMORY USAGE k SAMPLES -1",
        "MEMORY USAGE k SAMPLES abc",
        "MEMORY USAGE k FOO",
        "MEMORY USAGE nosuch SAMPLES abc",
        "MEMORY FOO",
        "MEMORY PURGE",
        "MEMORY PURGE x",
        "MEMORY HELP",
        "MEMORY HELP x",
    ])
