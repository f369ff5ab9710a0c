"""Bitmap commands against redis-server 7.0: SETBIT, GETBIT, BITCOUNT,
BITPOS, BITOP, BITFIELD and BITFIELD_RO, their argument errors in Redis's
order, the range forms (BYTE and BIT, negative indexes), BITFIELD's
overflow modes at every width's edges, and what the writes do to the
string (growth, OBJECT ENCODING, TTL)."""

import random

from compat import Step


def test_setbit_getbit(pair):
    pair.check([
        "SETBIT b 7 1",
        "GET b",
        "SETBIT b 7 1",
        "SETBIT b 7 0",
        "SETBIT b 100 1",
        "STRLEN b",
        "GETBIT b 100",
        "GETBIT b 99",
        "GETBIT b 100000",
        "GETBIT nokey 5",
        "SETBIT b -1 1",
        "SETBIT b x 1",
        "SETBIT b 4294967296 1",
        "SETBIT b 01 1",
        "SETBIT b 1 2",
        "SETBIT b 1 -1",
        "SETBIT b 1 x",
        "SETBIT b x x",
        "GETBIT b -1",
        "GETBIT b 4294967296",
        "SET s abc",
        "GETBIT s 1",
        "GETBIT s 2",
        "SETBIT s 2 1",
        "GET s",
        "SETBIT s 1 0",
        "OBJECT ENCODING s",
        "SET n 12345",
        "GETBIT n 2",
        "SETBIT n 7 0",
        "GET n",
        "OBJECT ENCODING n",
        "SETBIT fresh 3 0",
        "GET fresh",
        "OBJECT ENCODING fresh",
        "SETBIT b",
        "GETBIT b",
    ])


def test_a_setbit_that_changes_nothing_leaves_watch_alone(pair):
    other = pair.connect("other")
    pair.check([
        "SETBIT w 3 1",
        "WATCH w",
        Step("SETBIT w 3 1", on=other),
        "MULTI",
        "GET w",
        "EXEC",
        "WATCH w",
        Step("SETBIT w 3 0", on=other),
        "MULTI",
        "GET w",
        "EXEC",
        "WATCH w",
        Step("BITFIELD w GET u8 0", on=other),
        Step("BITFIELD w OVERFLOW FAIL INCRBY u2 0 9", on=other),
        "MULTI",
        "GET w",
        "EXEC",
    ])


def test_bitmap_writes_keep_the_ttl(pair):
    pair.check([
        "SET t abc EX 100",
        "SETBIT t 100 1",
        "TTL t",
        "BITFIELD t SET u8 0 255",
        "TTL t",
        "BITOP NOT t t",
        "TTL t",
        "GET t",
    ])


def test_bitcount(pair):
    pair.check([
        "SET s foobar",
        "BITCOUNT s",
        "BITCOUNT s 0 0",
        "BITCOUNT s 1 1",
        "BITCOUNT s 1 -2",
        "BITCOUNT s -2 -1",
        "BITCOUNT s -1 -2",
        "BITCOUNT s 5 100",
        "BITCOUNT s 100 200",
        "BITCOUNT s -100 -50",
        "BITCOUNT s 0 0 BYTE",
        "BITCOUNT s 5 30 BIT",
        "BITCOUNT s 5 30 bit",
        "BITCOUNT s 1 5 BIT",
        "BITCOUNT s 7 7 BIT",
        "BITCOUNT s -5 -1 BIT",
        "BITCOUNT s 0 -1 BIT",
        "BITCOUNT s 0 1 FOO",
        "BITCOUNT s 0",
        "BITCOUNT s 0 1 BIT x",
        "BITCOUNT s -1 -2 x",
        "BITCOUNT s 1 -2 x",
        "BITCOUNT s x 1",
        "BITCOUNT s 0 x",
        "BITCOUNT nokey",
        "BITCOUNT nokey 0",
        "BITCOUNT nokey x y",
        "SET e ''",
        "BITCOUNT e",
        "BITCOUNT e 0 -1",
        "BITCOUNT e 0 -1 BIT",
        "SET n 12345",
        "BITCOUNT n",
    ])


def test_bitpos(pair):
    pair.check([
        "SET s \"\\xff\\xf0\\x00\"",
        "BITPOS s 0",
        "BITPOS s 1",
        "BITPOS s 0 1",
        "BITPOS s 1 2",
        "BITPOS s 1 2 -1",
        "BITPOS s 0 0 0",
        "BITPOS s 0 2 -1 BYTE",
        "BITPOS s 0 3 10 BIT",
        "BITPOS s 1 3 10 BIT",
        "BITPOS s 0 7 11 BIT",
        "BITPOS s 1 12 20 BIT",
        "BITPOS s 1 -9 -1 BIT",
        "BITPOS s 0 -100 -1",
        "BITPOS s 1 100",
        "BITPOS s 1 2 1",
        "BITPOS s 2",
        "BITPOS s -1",
        "BITPOS s x",
        "BITPOS s 1 x",
        "BITPOS s 1 0 x",
        "BITPOS s 1 0 1 FOO",
        "BITPOS s 1 0 1 BIT x",
        "SET ones \"\\xff\\xff\"",
        "BITPOS ones 0",
        "BITPOS ones 0 1",
        "BITPOS ones 0 0 -1",
        "BITPOS ones 0 0 15 BIT",
        "BITPOS ones 0 3 12 BIT",
        "BITPOS nokey 0",
        "BITPOS nokey 1",
        "BITPOS nokey 1 x",
        "BITPOS nokey 2",
        "SET e ''",
        "BITPOS e 0",
        "BITPOS e 1",
        "BITPOS e 0 0",
        "SET n 12345",
        "BITPOS n 1",
    ])


def test_bitop(pair):
    pair.check([
        "SET a \"\\x0f\\xf0\"",
        "SET b \"\\xff\"",
        "BITOP AND d a b",
        "GET d",
        "BITOP OR d a b",
        "GET d",
        "BITOP XOR d a b nokey",
        "GET d",
        "BITOP NOT d a",
        "GET d",
        "OBJECT ENCODING d",
        "BITOP and d a b",
        "BITOP NOT d a b",
        "BITOP NOT d",
        "BITOP FOO d a",
        "BITOP AND d",
        "BITOP AND d nokey1 nokey2",
        "EXISTS d",
        "SET d x EX 100",
        "BITOP OR d a",
        "TTL d",
        "BITOP OR a a b",
        "GET a",
        "SET n 12",
        "BITOP NOT d n",
        "GET d",
    ])


def test_bitfield(pair):
    pair.check([
        "BITFIELD f SET i8 0 100 GET i8 0",
        "BITFIELD f INCRBY i8 0 100",
        "BITFIELD f OVERFLOW SAT INCRBY i8 0 100",
        "BITFIELD f OVERFLOW FAIL INCRBY i8 0 100",
        "BITFIELD f OVERFLOW WRAP INCRBY i8 0 -300",
        "BITFIELD f GET u4 0 GET u4 4 GET i4 4 GET u1 7",
        "BITFIELD f SET u8 #1 200 GET u8 #1 GET u8 8",
        "BITFIELD f INCRBY u2 100 1 OVERFLOW SAT INCRBY u2 102 5 OVERFLOW FAIL INCRBY u2 104 5",
        "GET f",
        "BITFIELD f SET i64 0 -1 GET i64 0 GET u63 0 GET u63 1",
        "BITFIELD f INCRBY i64 0 -9223372036854775807",
        "BITFIELD f INCRBY i64 0 -9223372036854775807",
        "BITFIELD f OVERFLOW SAT INCRBY i64 0 -9223372036854775807",
        "BITFIELD f SET i64 0 9223372036854775807 INCRBY i64 0 1",
        "BITFIELD f OVERFLOW SAT SET i64 0 9223372036854775807 INCRBY i64 0 1",
        "BITFIELD f OVERFLOW FAIL SET i64 0 9223372036854775807 INCRBY i64 0 1",
        "BITFIELD f SET u63 0 -1 GET u63 0",
        "BITFIELD f OVERFLOW SAT SET u8 0 -1 SET u8 0 300 GET u8 0",
        "BITFIELD f OVERFLOW SAT SET i8 0 -200 GET i8 0 SET i8 0 200 GET i8 0",
        "BITFIELD f OVERFLOW FAIL SET u8 0 256 SET i8 0 -129 GET u8 0",
        "BITFIELD f INCRBY u63 0 9223372036854775807 INCRBY u63 0 9223372036854775807",
        "BITFIELD f OVERFLOW SAT INCRBY u63 0 -9223372036854775808",
        "BITFIELD f SET i5 3 -16 INCRBY i5 3 -1 GET i5 3 GET u5 3",
        "BITFIELD f",
        "BITFIELD nokey",
        "BITFIELD nokey GET u8 0 GET i64 1000",
        "EXISTS nokey",
        "BITFIELD fail OVERFLOW FAIL INCRBY u8 100 300",
        "STRLEN fail",
        "BITFIELD f GET u64 0",
        "BITFIELD f GET i65 0",
        "BITFIELD f GET i0 0",
        "BITFIELD f GET U8 0",
        "BITFIELD f GET x8 0",
        "BITFIELD f GET i 0",
        "BITFIELD f GET u8 -1",
        "BITFIELD f GET u8 #-1",
        "BITFIELD f GET u8 #x",
        "BITFIELD f GET u8 4294967296",
        "BITFIELD f SET u8 0",
        "BITFIELD f SET u8 0 x",
        "BITFIELD f INCRBY u8 0 1.5",
        "BITFIELD f OVERFLOW",
        "BITFIELD f OVERFLOW FOO GET u8 0",
        "BITFIELD f GET u8",
        "BITFIELD f FOO",
        "BITFIELD f GET u8 0 FOO",
        "BITFIELD f get u8 0 set u8 0 1 incrby u8 0 1 overflow sat",
        "SET n 42",
        "BITFIELD n GET u8 0",
        "BITFIELD n SET u8 0 65",
        "GET n",
        "OBJECT ENCODING n",
    ])


def test_bitfield_ro(pair):
    pair.check([
        "SET f \"\\x12\\x34\"",
        "BITFIELD_RO f GET u8 0 GET i16 0 GET u4 12 GET u8 100",
        "BITFIELD_RO f",
        "BITFIELD_RO nokey GET u8 0",
        "BITFIELD_RO f SET u8 0 1",
        "BITFIELD_RO f GET u8 0 INCRBY u8 0 1",
        "BITFIELD_RO f OVERFLOW SAT GET u8 0",
        "BITFIELD_RO f GET u64 0",
        "BITFIELD_RO f SET u8",
        "GET f",
    ])


def test_bitmap_commands_info_and_docs(pair):
    pair.check([
        "COMMAND INFO setbit getbit bitcount bitpos bitop bitfield bitfield_ro",
        "COMMAND DOCS setbit getbit bitcount bitpos bitop bitfield bitfield_ro",
        "COMMAND GETKEYS BITOP AND d a b c",
        "COMMAND GETKEYSANDFLAGS BITFIELD k GET u8 0",
        "COMMAND GETKEYSANDFLAGS BITFIELD k GET u8 0 OVERFLOW SAT GET i8 8",
        "COMMAND GETKEYSANDFLAGS BITFIELD k GET u8 0 SET u8 0 1",
        "COMMAND GETKEYSANDFLAGS BITFIELD k GET u8",
        "COMMAND GETKEYSANDFLAGS BITFIELD_RO k GET u8 0",
        "COMMAND GETKEYSANDFLAGS SET k v",
        "COMMAND GETKEYSANDFLAGS SET k v NX GET",
        "COMMAND GETKEYSANDFLAGS SET k v EX 10",
    ])


def test_bitmap_random_sequences(pair):
    """Seeded random mixes of every bitmap command on three keys, small
    offsets and values at the fields' edges: the same transcript on both."""
    rnd = random.Random(20261204)
    keys = ["a", "b", "c"]
    nums = ["0", "1", "7", "8", "15", "-1", "-8", "63", "100", "x", "#2", "9223372036854775807",
            "-9223372036854775808"]
    types = ["i1", "u1", "i8", "u8", "i13", "u31", "i63", "u63", "i64"]

    def num():
        return rnd.choice(nums + [str(rnd.randint(-70, 70))])

    steps = []
    for _ in range(600):
        k = rnd.choice(keys)
        op = rnd.randint(0, 7)
        if op == 0:
            steps.append(["SETBIT", k, num(), rnd.choice(["0", "1"])])
        elif op == 1:
            steps.append(["GETBIT", k, num()])
        elif op == 2:
            steps.append(["BITCOUNT", k, num(), num(), rnd.choice(["BIT", "BYTE"])][:rnd.choice([2, 4, 5])])
        elif op == 3:
            steps.append(["BITPOS", k, rnd.choice(["0", "1"]), num(), num(),
                          rnd.choice(["BIT", "BYTE"])][:rnd.randint(3, 6)])
        elif op == 4:
            steps.append(["BITOP", rnd.choice(["AND", "OR", "XOR"]), rnd.choice(keys)]
                         + rnd.sample(keys + ["none"], rnd.randint(1, 3)))
        elif op == 5:
            argv = ["BITFIELD", k]
            for _ in range(rnd.randint(1, 4)):
                sub = rnd.choice(["GET", "SET", "INCRBY", "OVERFLOW"])
                if sub == "GET":
                    argv += [sub, rnd.choice(types), num()]
                elif sub == "OVERFLOW":
                    argv += [sub, rnd.choice(["WRAP", "SAT", "FAIL"])]
                else:
                    argv += [sub, rnd.choice(types), num(),
                             rnd.choice([num(), str(rnd.randint(-2**63, 2**63 - 1))])]
            steps.append(argv)
        elif op == 6:
            steps.append(["SET", k, bytes(rnd.randint(0, 255) for _ in range(rnd.randint(0, 6)))])
        else:
            steps.append(["GET", k])
    pair.check(steps)
