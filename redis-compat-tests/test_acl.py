"""ACL against redis-server 7.0 for the one user both have by default,
"default" (allowed everything, requirepass its password): WHOAMI, USERS,
LIST, GETUSER, CAT, DRYRUN, GENPASS, LOG of failed authentications, HELP,
and the errors. Cairn has no other users: ACL SETUSER is refused, which is
the one deliberate difference and is not compared here."""

import re

from compat import Step


def test_acl_answers_for_the_default_user(pair):
    pair.check([
        "ACL WHOAMI",
        "ACL USERS",
        "ACL LIST",
        "ACL GETUSER default",
        "ACL GETUSER Default",
        "ACL GETUSER nobody",
        "ACL CAT",
        "ACL CAT nosuch",
        "ACL CAT @bitmap",
        "ACL CAT bitmap extra",
        "ACL DRYRUN default get k",
        "ACL DRYRUN default get",
        "ACL DRYRUN default nosuch",
        "ACL DRYRUN default config get port",
        "ACL DRYRUN default config",
        "ACL DRYRUN nobody get k",
        "ACL DELUSER default",
        "ACL DELUSER a b",
        "ACL DELUSER a default",
        "ACL SAVE",
        "ACL LOAD",
        "ACL HELP",
        "ACL GENPASS 0",
        "ACL GENPASS 4097",
        "ACL GENPASS x",
        "ACL WHOAMI extra",
        "ACL NOSUCH",
        "ACL",
        # Per subcommand: Redis lists a container's subcommands in its
        # hash table's order, which changes from one process to the next.
        "COMMAND INFO acl|cat acl|deluser acl|dryrun acl|genpass acl|getuser acl|help",
        "COMMAND INFO acl|list acl|load acl|log acl|save acl|setuser acl|users acl|whoami",
        "COMMAND DOCS acl|cat acl|deluser acl|dryrun acl|genpass acl|getuser acl|help",
        "COMMAND DOCS acl|list acl|load acl|log acl|save acl|setuser acl|users acl|whoami",
    ])


def test_acl_cat_lists_the_same_commands_per_category(pair):
    # Redis lists a category's commands in its hash table's order: compare
    # them as sets. Redis has commands Cairn lacks (the non-string types).
    categories = ["keyspace", "read", "write", "string", "bitmap", "pubsub", "admin", "fast",
                  "slow", "dangerous", "connection", "transaction", "blocking"]
    own = {b"cairn.fault", b"cairn.sync", b"client|consistency", b"delifeq",
           b"cluster|cancelslotmigrations", b"cluster|getslotmigrations",
           b"cluster|migrateslots", b"cluster|myshardid", b"client|setinfo"}
    results = pair.run([Step(f"ACL CAT {c}") for c in categories])
    cairn_has = set()
    for _, _, c in results:
        cairn_has |= {v for _, v in c[0][1]}
    for step, r, c in results:
        (rk, ritems), (ck, citems) = r[0], c[0]
        assert rk == ck == "*", step.label()
        redis_names = {v for _, v in ritems}
        cairn_names = {v for _, v in citems} - own
        # A command both have is in a category on both or on neither.
        assert cairn_names == redis_names & cairn_has, (
            step.label(), cairn_names ^ (redis_names & cairn_has))


def test_acl_genpass_is_random_hex_of_the_asked_size(cairn_port, redis_port):
    import resp
    for port in (cairn_port, redis_port):
        conn = resp.Connection("127.0.0.1", port)
        try:
            a = conn.call(["ACL", "GENPASS"])[1]
            b = conn.call(["ACL", "GENPASS"])[1]
            assert re.fullmatch(rb"[0-9a-f]{64}", a) and a != b
            assert re.fullmatch(rb"[0-9a-f]{2}", conn.call(["ACL", "GENPASS", "5"])[1])
            assert re.fullmatch(rb"[0-9a-f]{1024}", conn.call(["ACL", "GENPASS", "4096"])[1])
        finally:
            conn.close()


def log_entries(reply):
    """ACL LOG's entries as dicts, with what differs by nature (the age, the
    client's address, id, ages and memory figures) replaced."""
    kind, items = reply
    if kind != "*":
        return reply
    out = []
    for _, entry in items:
        pairs = entry if isinstance(entry[0], tuple) and len(entry[0]) == 2 and \
            isinstance(entry[0][0], tuple) else list(zip(entry[0::2], entry[1::2]))
        fields = {k[1]: v for k, v in pairs}
        fields[b"age-seconds"] = "AGE"
        info = fields[b"client-info"][1].decode()
        info = re.sub(r"id=\d+ addr=\S+ laddr=\S+ fd=\d+", "CLIENT", info)
        info = re.sub(r"(age|idle|qbuf|qbuf-free|argv-mem|tot-mem|rbs|rbp|omem)=\d+", r"\1=N", info)
        info = re.sub(r" lib-name=\S* lib-ver=\S*$", "", info)  # Redis 7.0 lacks them
        fields[b"client-info"] = info
        out.append(fields)
    return out


def test_acl_log_records_failed_authentications(pair):
    def norm(r, c):
        return log_entries(r), log_entries(c)

    pair.check([
        "ACL LOG RESET",
        "ACL LOG",
        "AUTH bob wrong",
        "auth bob wrong",
        "AUTH bob wrong",
        "AUTH alice x",
        "HELLO 3 AUTH carol x",
        Step("ACL LOG", norm=norm),
        Step("ACL LOG 2", norm=norm),
        "ACL LOG 0",
        "ACL LOG -1",
        "ACL LOG x",
        "ACL LOG 1 2",
        "ACL LOG reset",
        "ACL LOG",
    ])


def test_acl_shows_requirepass_as_its_sha256(pair):
    try:
        pair.check([
            "CONFIG SET requirepass foo",
            "AUTH foo",
            "ACL LIST",
            "ACL GETUSER default",
            "AUTH default nope",
            "ACL LOG RESET",
            "CONFIG SET requirepass ''",
            "ACL LIST",
        ])
    finally:
        pair.run(["AUTH foo", "CONFIG SET requirepass ''"])
