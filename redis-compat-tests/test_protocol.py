"""RESP framing as seen by a client: inline commands, pipelining, protocol
errors (the reply text and whether the connection is closed afterwards)."""

from compat import Step


def test_inline_commands(pair):
    pair.check([
        Step(raw=b"PING\r\n"),
        Step(raw=b"SET k v\r\n"),
        Step(raw=b"GET k\n"),
        Step(raw=b"SET \"a b\" 'c d'\r\n"),
        Step(raw=b"GET \"a b\"\r\n"),
        Step(raw=b"ECHO \"esc\\x41\\n\\t\\\"q\\\"\"\r\n"),
        Step(raw=b"ECHO 'it\\'s'\r\n"),
        Step(raw=b"\r\n\r\n   \r\nPING\r\n"),
        Step(raw=b"  GET   k  \r\n"),
        Step(raw=b"ECHO \"\"\r\n"),
    ])


def test_pipelined_commands_in_one_write(pair):
    cmds = b"".join(
        b"*3\r\n$3\r\nSET\r\n$2\r\nk%d\r\n$1\r\n%d\r\n" % (i, i) for i in range(10)
    ) + b"PING\r\n" + b"*2\r\n$4\r\nMGET\r\n$2\r\nk3\r\n"
    pair.check([
        Step(raw=cmds, replies=12),
        Step(raw=b"*1\r\n$4\r\nPING\r\n*2\r\n$3\r\nGET\r\n$2\r\nk9\r\nECHO x\r\n", replies=3),
    ])


def test_empty_multibulk_is_ignored(pair):
    pair.check([
        Step(raw=b"*0\r\n*-1\r\nPING\r\n"),
        Step(raw=b"*-5\r\n*1\r\n$4\r\nPING\r\n"),
    ])


def test_unbalanced_quotes_closes(pair):
    pair.check([Step(raw=b"SET \"k v\r\n", expect_close=True)])


def test_quote_not_followed_by_space_closes(pair):
    pair.check([Step(raw=b"ECHO \"a\"b\r\n", expect_close=True)])


def test_invalid_bulk_length_closes(pair):
    pair.check([Step(raw=b"*1\r\n$abc\r\n", expect_close=True)])


def test_a_header_line_ends_at_its_first_carriage_return(pair):
    # Redis skips the byte after a header's '\r' without checking it is '\n'.
    pair.check([
        Step(raw=b"*1\rx$4\r\nPING\r\n"),
        Step(raw=b"*2\r\n$4\rxECHO\r\n$2\r\nhi\r\n"),
    ])


def test_a_line_after_a_bare_carriage_return_is_checked_for_dollar(pair):
    pair.check([Step(raw=b"*1\r\r\n*1\r\n$+4\r\nPING\r\n", expect_close=True)])


def test_negative_bulk_length_closes(pair):
    pair.check([Step(raw=b"*2\r\n$3\r\nGET\r\n$-5\r\n", expect_close=True)])


def test_bulk_length_over_limit_closes(pair):
    pair.check([Step(raw=b"*1\r\n$536870913\r\n", expect_close=True)])


def test_invalid_multibulk_length_closes(pair):
    pair.check([Step(raw=b"*abc\r\n", expect_close=True)])


def test_multibulk_length_over_limit_closes(pair):
    pair.check([Step(raw=b"*3000000000\r\n", expect_close=True)])


def test_expected_dollar_closes(pair):
    pair.check([Step(raw=b"*1\r\nx3\r\nGET\r\n", expect_close=True)])


def test_commands_before_a_protocol_error_are_answered(pair):
    pair.check([
        Step(raw=b"SET k v\r\n*1\r\n$4\r\nPING\r\n*1\r\n$x\r\n", replies=3, expect_close=True),
    ])


def test_too_big_inline_request_closes(pair):
    pair.check([Step(raw=b"a" * (70 * 1024), expect_close=True)])


def test_too_big_bulk_count_string_closes(pair):
    pair.check([Step(raw=b"*1\r\n$" + b"1" * (70 * 1024), expect_close=True)])


def test_a_nul_byte_hides_the_end_of_its_line(pair):
    # Redis looks for line ends with strchr: a NUL before one hides it, and
    # the line waits for more until it is too big.
    filler = b"a" * (70 * 1024)
    pair.check([Step(raw=b"PING\r\nPI\x00NG\r\nPING\r\n" + filler, replies=2,
                      expect_close=True)])
    pair.check([Step(raw=b"*1\x00\r\n$4\r\nPING\r\n" + filler, expect_close=True)])
    pair.check([Step(raw=b"*1\r\n$4\x00\r\nPING\r\n" + filler, expect_close=True)])
    pair.check([Step(raw=b"PING\r\n\x00", replies=1), Step(raw=b"\n*1\r\n$4\r\nPING\r\n" + filler,
                                                        expect_close=True)])


def test_big_declared_bulk_arrives_in_pieces(pair):
    payload = b"z" * 300000
    pair.check([
        Step(raw=b"*3\r\n$3\r\nSET\r\n$3\r\nbig\r\n$%d\r\n" % len(payload) + payload + b"\r\n"),
        "STRLEN big",
        "GETRANGE big -2 -1",
    ])
