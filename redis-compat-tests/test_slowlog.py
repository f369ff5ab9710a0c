"""SLOWLOG GET/LEN/RESET/HELP and the slowlog-* configs.

With slowlog-log-slower-than 0 every command is logged, so the entries'
arguments (trimmed to 32 arguments of 128 bytes, secrets redacted) and
client names must match Redis's; ids, times, durations and client ports
differ by nature and are not compared.
"""

from compat import Step


def _entries(reply):
    if reply[0] != "*" or reply[1] is None:
        return reply
    out = []
    for e in reply[1]:
        if e[0] != "*" or len(e[1]) != 6:
            out.append(e)
            continue
        _id, _ts, _us, args, _addr, name = e[1]
        out.append(("*", [(_id[0], "<id>"), (_ts[0], "<time>"), (_us[0], "<us>"), args,
                          (_addr[0], "<addr>"), name]))
    return ("*", out)


def entries(r, c):
    return _entries(r), _entries(c)


def test_slowlog_keeps_what_redis_keeps(pair):
    pair.check([
        "CONFIG SET slowlog-log-slower-than 0",
        "SLOWLOG RESET",
        "SET k v",
        "CLIENT SETNAME logged",
        "GET k",
        ["SET", "big", "x" * 200],
        ["MSET"] + [str(i) for i in range(40)],
        "AUTH secret",
        "AUTH user secret",
        "HELLO 2 AUTH user secret SETNAME n2",
        "HELLO 2 SETNAME n3 AUTH user",
        "CONFIG SET requirepass hidden",
        "AUTH hidden",
        "CONFIG SET requirepass ''",
        "MULTI",
        "INCR counter",
        "EXEC",
        "SLOWLOG LEN",
        Step("SLOWLOG GET -1", norm=entries),
        Step("SLOWLOG GET", norm=entries),
        Step("SLOWLOG GET 2", norm=entries),
        Step("SLOWLOG GET 0", norm=entries),
        "CONFIG SET slowlog-max-len 3",
        "SLOWLOG LEN",
        Step("SLOWLOG GET -1", norm=entries),
        "CONFIG SET slowlog-log-slower-than -1",
        "PING",
        "SLOWLOG LEN",
        "SLOWLOG RESET",
        "SLOWLOG LEN",
        "CONFIG SET slowlog-max-len 128",
        "CONFIG SET slowlog-log-slower-than 10000",
    ])


def test_slowlog_errors_and_help(pair):
    pair.check([
        "SLOWLOG",
        "SLOWLOG FOO",
        "SLOWLOG GET abc",
        "SLOWLOG GET -2",
        "SLOWLOG GET 99999999999999999999",
        "SLOWLOG GET 1 2",
        "SLOWLOG LEN x",
        "SLOWLOG RESET x",
        "SLOWLOG HELP",
        "slowlog help",
        "SLOWLOG HELP x",
        "CONFIG GET slowlog-max-len",
        "CONFIG SET slowlog-max-len -1",
        "CONFIG SET slowlog-log-slower-than -2",
        "CONFIG SET slowlog-log-slower-than abc",
        "CONFIG GET slowlog-log-slower-than",
    ])
