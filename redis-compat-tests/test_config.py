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
