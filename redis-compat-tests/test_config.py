"""CONFIG GET/SET of the directives Redis tools read or set, with Redis's
error texts."""


def test_maxmemory_policy_is_accepted_and_reported(pair):
    pair.check([
        "CONFIG GET maxmemory-policy",
        "CONFIG SET maxmemory-policy foo",
        "CONFIG SET maxmemory-policy allkeys-LRU",
        "CONFIG GET maxmemory-policy",
        "CONFIG SET maxmemory-policy volatile-ttl",
        "CONFIG GET maxmemory-policy",
        "CONFIG SET maxmemory-policy ''",
        "CONFIG SET maxmemory-policy noeviction",
        "CONFIG GET maxmemory-policy",
    ])


def test_maxmemory_is_set_at_runtime(pair):
    try:
        pair.check([
            "CONFIG SET maxmemory 100mb",
            "CONFIG GET maxmemory",
            "CONFIG SET maxmemory 1gb",
            "CONFIG GET maxmemory",
            "CONFIG SET maxmemory -1",
            "CONFIG SET maxmemory 12xb",
            "CONFIG SET maxmemory 2000000000",
            "CONFIG GET maxmemory",
            "SET k v",
            "GET k",
            "CONFIG SET maxmemory 0",
            "CONFIG GET maxmemory",
        ])
    finally:
        pair.run(["CONFIG SET maxmemory 0"])


def test_command_info_carries_redis_tips_notes_and_categories(pair):
    # Commands with no subcommands whose entry is whole: Redis's tips
    # (cluster clients route by request_policy), key-spec notes, explicit
    # ACL categories and flags.
    pair.check([
        "COMMAND INFO set getex dbsize del exists keys mget mset msetnx ping randomkey scan",
        "COMMAND INFO ttl pttl time touch unlink wait role readonly readwrite asking",
        "COMMAND INFO flushall flushdb info lastsave dump save bgsave replicaof",
        "COMMAND INFO config|set slowlog|get slowlog|len slowlog|reset memory|purge",
        "COMMAND INFO memory|usage memory|malloc-stats object|encoding client|list cluster|setslot",
    ])


def test_command_docs_carry_redis_arguments_and_history(pair):
    pair.check([
        "COMMAND DOCS get set getex getset append lcs expire scan",
        "COMMAND DOCS mset msetnx incrbyfloat restore migrate hello auth bgsave",
        "COMMAND DOCS client|kill client|list client|pause client|reply config|set",
        "COMMAND DOCS slowlog|get memory|usage object|encoding cluster|setslot wait",
        "COMMAND DOCS substr setex psetex flushall shutdown replicaof slaveof",
    ])
