"""String commands: replies must match redis-server byte for byte."""

from compat import Step, approx

TTL = approx(1)      # seconds: the two servers are asked a few ms apart
PTTL = approx(200)   # milliseconds, generous for a sanitized build


def test_get_set_basic(pair):
    pair.check([
        "GET missing",
        "SET k v",
        "GET k",
        "SET k other",
        "GET k",
        "SET empty ''",
        "GET empty",
        "STRLEN empty",
        "EXISTS empty",
    ])


def test_set_nx_xx(pair):
    pair.check([
        "SET k v NX",
        "SET k w NX",
        "GET k",
        "SET k w XX",
        "GET k",
        "SET other w XX",
        "EXISTS other",
        "SET k v nx",
        "SET k v Xx",
    ])


def test_set_get_option(pair):
    pair.check([
        "SET k v GET",
        "SET k w GET",
        "GET k",
        "SET k x NX GET",
        "SET k y XX GET",
        "SET newkey z XX GET",
        "EXISTS newkey",
        "SET k z GET EX 100",
        Step("TTL k", norm=TTL),
    ])


def test_set_expire_options(pair):
    pair.check([
        "SET k v EX 100",
        Step("TTL k", norm=TTL),
        "SET k v PX 100000",
        Step("PTTL k", norm=PTTL),
        "SET k v EXAT 32503680000",
        "EXPIRETIME k",
        "SET k v PXAT 32503680000123",
        "PEXPIRETIME k",
        "SET k v",
        "TTL k",
        "SET k v EX 100",
        "SET k w KEEPTTL",
        Step("TTL k", norm=TTL),
        "GET k",
        "SET k w",
        "TTL k",
    ])


def test_set_expire_in_the_past_deletes(pair):
    pair.check([
        "SET k v EXAT 1",
        "EXISTS k",
        "SET k v PXAT 1",
        "GET k",
        "SET k v",
        "SET k v2 PXAT 1 GET",
        "EXISTS k",
    ])


def test_set_invalid_option_combinations(pair):
    pair.check([
        "SET k v NX XX",
        "SET k v EX 10 PX 100",
        "SET k v EX 10 KEEPTTL",
        "SET k v KEEPTTL PX 5",
        "SET k v EX 10 EX 20",
        "SET k v EXAT 10 PXAT 20",
        "SET k v BOGUS",
        "SET k v EX",
        "SET k v EX 0",
        "SET k v EX -1",
        "SET k v PX 0",
        "SET k v EX abc",
        "SET k v EX 1.5",
        "SET k v EX 9223372036854775807",
        "SET k v PX 9223372036854775807",
        "SET k v EXAT 0",
        "SET k v PXAT -5",
        "SET k v EX 10 NX GET XX",
        "EXISTS k",
    ])


def test_set_wrong_arity(pair):
    pair.check(["SET", "SET k", "GET", "GET a b"])


def test_setnx(pair):
    pair.check([
        "SETNX k v",
        "SETNX k w",
        "GET k",
        "SETNX k",
    ])


def test_setex_psetex(pair):
    pair.check([
        "SETEX k 100 v",
        Step("TTL k", norm=TTL),
        "GET k",
        "PSETEX p 100000 v",
        Step("PTTL p", norm=PTTL),
        "SETEX k 0 v",
        "SETEX k -10 v",
        "SETEX k abc v",
        "PSETEX k 0 v",
        "PSETEX k -1 v",
        "SETEX k 9223372036854775807 v",
        "SETEX k 10",
        "GET k",
    ])


def test_getset(pair):
    pair.check([
        "GETSET k v",
        "GETSET k w",
        "GET k",
        "SET t v EX 100",
        "GETSET t w",
        "TTL t",
        "GETSET k",
    ])


def test_getdel(pair):
    pair.check([
        "GETDEL missing",
        "SET k v",
        "GETDEL k",
        "EXISTS k",
        "GETDEL k",
        "GETDEL a b",
    ])


def test_getex(pair):
    pair.check([
        "GETEX missing",
        "GETEX missing EX 10",
        "SET k v",
        "GETEX k",
        "TTL k",
        "GETEX k EX 100",
        Step("TTL k", norm=TTL),
        "GETEX k PX 200000",
        Step("PTTL k", norm=PTTL),
        "GETEX k EXAT 32503680000",
        "EXPIRETIME k",
        "GETEX k PXAT 32503680000999",
        "PEXPIRETIME k",
        "GETEX k PERSIST",
        "TTL k",
        "GETEX k EX 10 PX 100",
        "GETEX k EX 10 PERSIST",
        "GETEX k PERSIST EX 10",
        "GETEX k EX 0",
        "GETEX k EX -1",
        "GETEX k EX abc",
        "GETEX k BOGUS",
        "GETEX k EX",
        "GETEX k EXAT 1",
        "EXISTS k",
    ])


def test_append_and_strlen(pair):
    pair.check([
        "APPEND k hello",
        "APPEND k ' world'",
        "GET k",
        "STRLEN k",
        "STRLEN missing",
        "APPEND k ''",
        "APPEND e ''",
        "EXISTS e",
        "GET e",
        "SET n 10",
        "APPEND n 5",
        "INCR n",
        "APPEND k",
        "STRLEN",
    ])


def test_append_keeps_ttl(pair):
    pair.check([
        "SET k v EX 100",
        "APPEND k w",
        Step("TTL k", norm=TTL),
        "GET k",
    ])


def test_appends_to_a_long_value_pipelined_and_one_by_one(pair):
    # Past 16 KB Cairn writes the bytes an APPEND, SETRANGE, SETBIT or
    # BITFIELD changes as a merge operand instead of the whole value: the
    # value, its encoding, its TTL and its DUMP payload are still Redis's,
    # whether the commands come in one write or not.
    base = bytes(range(256)) * 80
    pieces = [b"<%d>" % i for i in range(400)]
    pipelined = b"".join(b"*3\r\n$6\r\nAPPEND\r\n$3\r\nlog\r\n$%d\r\n%s\r\n" % (len(p), p)
                         for p in pieces[:200])
    pair.check(
        [["SET", "log", base], "EXPIRE log 1000", Step(raw=pipelined, replies=200),
         "STRLEN log", "GET log"]
        + [["APPEND", "log", p] for p in pieces[200:]]
        + ["GET log", "GETRANGE log 20470 20600", "OBJECT ENCODING log", Step("TTL log", norm=TTL),
           "DUMP log", "SETRANGE log 3 xyz", "GET log", "APPEND log end", "GET log",
           "SETBIT log 9 1", "SETBIT log 9 0", "SETBIT log 300000 1", "GETBIT log 300000",
           "STRLEN log", "BITCOUNT log", "SETRANGE log 40000 far", "GETRANGE log 37490 40010",
           "BITFIELD log SET u8 #100 255 INCRBY i16 3000 7 GET u8 0",
           "BITFIELD log OVERFLOW FAIL INCRBY u2 #200000 9", "STRLEN log",
           "BITFIELD log SET i64 320010 -3", "GETRANGE log 39990 40100", "DUMP log"])


def test_getrange_and_substr(pair):
    pair.check([
        "SET k 'This is a string'",
        "GETRANGE k 0 3",
        "GETRANGE k -3 -1",
        "GETRANGE k 0 -1",
        "GETRANGE k 10 100",
        "GETRANGE k 5 3",
        "GETRANGE k -100 -50",
        "GETRANGE k -100 2",
        "GETRANGE k 100 200",
        "GETRANGE k 0 9223372036854775807",
        "GETRANGE k -9223372036854775808 9223372036854775807",
        "GETRANGE k -1 -1",
        "GETRANGE k -1 -2",
        "GETRANGE k 0 0",
        "GETRANGE k a 1",
        "GETRANGE k 0 1.5",
        "GETRANGE k 0 9223372036854775808",
        "GETRANGE missing 0 -1",
        "GETRANGE missing 0 0",
        "SET e ''",
        "GETRANGE e 0 -1",
        "GETRANGE e 0 0",
        "SUBSTR k 0 3",
        "SUBSTR k -3 -1",
        "SUBSTR k 1",
        "GETRANGE k 0",
        "SET n 12345",
        "GETRANGE n 1 2",
    ])


def test_setrange(pair):
    pair.check([
        "SETRANGE k 0 hello",
        "GET k",
        "SETRANGE k 6 world",
        "GET k",
        "STRLEN k",
        "SETRANGE k 1 E",
        "GET k",
        "SETRANGE missing 5 ''",
        "EXISTS missing",
        "SETRANGE k 100 ''",
        "STRLEN k",
        "SETRANGE k -1 x",
        "SETRANGE k abc x",
        "SETRANGE k 536870912 x",
        "SETRANGE k 536870911 ''",
        "SETRANGE k 2",
        "SET t v EX 100",
        "SETRANGE t 1 xx",
        Step("TTL t", norm=TTL),
        "GET t",
        ["SETRANGE", "b", "3", b"\x00\xff\r\n"],
        "GET b",
    ])


def test_incr_decr(pair):
    pair.check([
        "INCR n",
        "INCR n",
        "DECR n",
        "DECR n",
        "DECR n",
        "GET n",
        "INCRBY n 10",
        "INCRBY n -20",
        "DECRBY n 5",
        "DECRBY n -5",
        "GET n",
        "SET n ' 1'",
        "INCR n",
        "SET n 1.5",
        "INCR n",
        "SET n abc",
        "INCR n",
        "DECR n",
        "INCRBY n 1",
        "SET n ''",
        "INCR n",
        "SET n 007",
        "INCR n",
        "SET n -0",
        "INCR n",
        "SET n +1",
        "INCR n",
        "SET n 10",
        "INCRBY n abc",
        "INCRBY n 1.0",
        "INCRBY n ''",
        "DECRBY n x",
        "INCRBY n 99999999999999999999",
        "GET n",
        "INCR",
        "INCR a b",
        "INCRBY n",
        "DECRBY n",
    ])


def test_incr_overflow(pair):
    pair.check([
        "SET n 9223372036854775806",
        "INCR n",
        "INCR n",
        "GET n",
        "INCRBY n 0",
        "SET n -9223372036854775807",
        "DECR n",
        "DECR n",
        "GET n",
        "SET n 5",
        "INCRBY n 9223372036854775807",
        "DECRBY n -9223372036854775808",
        "SET n -5",
        "DECRBY n 9223372036854775807",
        "DECRBY n -9223372036854775808",
        "INCRBY n -9223372036854775808",
        "SET n 9223372036854775808",
        "INCR n",
        "GET n",
    ])


def test_incr_keeps_ttl(pair):
    pair.check([
        "SET n 1 EX 100",
        "INCR n",
        Step("TTL n", norm=TTL),
        "INCRBYFLOAT n 1.5",
        Step("TTL n", norm=TTL),
    ])


def test_incrbyfloat_formatting(pair):
    pair.check([
        "INCRBYFLOAT f 10.5",
        "INCRBYFLOAT f 0.1",
        "INCRBYFLOAT f -5",
        "INCRBYFLOAT f 2.0e2",
        "INCRBYFLOAT f 5.0E3",
        "SET f 3",
        "INCRBYFLOAT f 0",
        "INCRBYFLOAT f 1.0",
        "SET f 1.10",
        "INCRBYFLOAT f 0",
        "SET f 5",
        "INCRBYFLOAT f -5",
        "INCRBYFLOAT f -0.5",
        "SET f 0.1",
        "INCRBYFLOAT f 0.2",
        "INCRBYFLOAT g 1e-10",
        "INCRBYFLOAT h 12345678901234567890",
        "INCRBYFLOAT i 3.0000000000000001",
        "INCRBYFLOAT j 1e300",
        "INCRBYFLOAT j 1e300",
        "INCRBYFLOAT k 0x10",
        "INCRBYFLOAT k inf",
        "INCRBYFLOAT k -inf",
        "INCRBYFLOAT k nan",
        "INCRBYFLOAT k abc",
        "INCRBYFLOAT k ''",
        "INCRBYFLOAT k ' 1'",
        "INCRBYFLOAT k '1 '",
        "SET s abc",
        "INCRBYFLOAT s 1",
        "SET s 1e5",
        "INCRBYFLOAT s 1",
        "INCRBYFLOAT s",
    ])


def test_incrbyfloat_huge_exponent_overflows(pair):
    pair.check([
        "SET f 1e308",
        "INCRBYFLOAT f 1e308",
        "GET f",
        "INCRBYFLOAT f2 1.7976931348623157e308",
        "INCRBYFLOAT f2 1.7976931348623157e308",
    ])


def test_mget_mset_msetnx(pair):
    pair.check([
        "MSET a 1 b 2 c 3",
        "MGET a b c missing",
        "MGET missing",
        "MSET a 10 a 11",
        "GET a",
        "MSET a",
        "MSET a 1 b",
        "MSET",
        "MGET",
        "MSETNX x 1 y 2",
        "MSETNX y 3 z 4",
        "MGET x y z",
        "MSETNX n 1 n 2",
        "GET n",
        "MSETNX q",
        "MSETNX q 1 r",
        "MSET t 1",
        "SET e v EX 100",
        "MSET e w",
        "TTL e",
    ])


def test_lcs(pair):
    pair.check([
        "MSET key1 ohmytext key2 mynewtext",
        "LCS key1 key2",
        "LCS key1 key2 LEN",
        "LCS key1 key2 IDX",
        "LCS key1 key2 IDX MINMATCHLEN 4",
        "LCS key1 key2 IDX MINMATCHLEN 4 WITHMATCHLEN",
        "LCS key1 key2 IDX WITHMATCHLEN",
        "LCS key1 missing",
        "LCS missing1 missing2",
        "LCS missing1 missing2 IDX",
        "LCS key1 key2 LEN IDX",
        "LCS key1 key2 BOGUS",
        "LCS key1 key2 MINMATCHLEN",
        "LCS key1 key2 IDX MINMATCHLEN abc",
        "LCS key1 key2 IDX MINMATCHLEN -1",
        "LCS key1",
        "MSET a '' b abc",
        "LCS a b",
        "LCS b b IDX WITHMATCHLEN",
    ])


def test_binary_safe_values(pair):
    pair.check([
        ["SET", b"k\x00ey", b"v\x00\r\n\xff"],
        ["GET", b"k\x00ey"],
        ["GET", b"k"],
        ["STRLEN", b"k\x00ey"],
        ["APPEND", b"k\x00ey", b"\r\n"],
        ["GET", b"k\x00ey"],
        ["SET", b"\r\n", b"\n"],
        ["MGET", b"\r\n", b"k\x00ey", b""],
        ["SET", b"", b"empty key"],
        ["GET", b""],
        ["EXISTS", b""],
        ["GETRANGE", b"k\x00ey", b"1", b"3"],
    ])


def test_large_value(pair):
    big = b"x" * (1 << 20) + b"\x00end"
    pair.check([
        ["SET", "big", big],
        "STRLEN big",
        ["GET", "big"],
        "GETRANGE big -3 -1",
        ["APPEND", "big", big],
        "STRLEN big",
    ])


def test_commands_are_case_insensitive(pair):
    pair.check([
        "set k v",
        "GeT k",
        "sEt k v ex 100 GET",
        "mget k",
    ])
