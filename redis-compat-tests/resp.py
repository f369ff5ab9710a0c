"""A small raw RESP2/RESP3 client for differential testing.

redis-py parses replies into Python values and hides exactly the details a
compatibility suite must compare (simple string vs bulk string, nil bulk vs
nil array, RESP3 map vs flat array, double vs bulk, verbatim format). This
client keeps them: every reply is a tuple whose first element is the RESP
type byte, e.g.

    ('+', 'OK')            simple string
    ('-', 'ERR ...')       error (text after '-')
    (':', 5)               integer
    ('$', b'bytes')        bulk string;  ('$', None) is the RESP2 nil bulk
    ('*', [..])            array;        ('*', None) is the RESP2 nil array
    ('%', [(k, v), ..])    RESP3 map (order kept)
    ('~', [..])            RESP3 set
    ('_', None)            RESP3 null
    (',', '1.5')           RESP3 double (text kept, not converted)
    ('#', True)            RESP3 boolean
    ('=', 'txt', b'..')    RESP3 verbatim string
    ('(', '123')           RESP3 big number
    ('!', b'..')           RESP3 blob error
    ('>', [..])            RESP3 push
    ('|', [(k, v)], reply) RESP3 attribute followed by the reply it annotates
"""

import socket

_CRLF = b"\r\n"


class ProtocolError(Exception):
    pass


def encode_command(args):
    """Encodes one command (str/bytes/int items) as a RESP multibulk."""
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        if isinstance(a, str):
            a = a.encode()
        elif isinstance(a, int):
            a = str(a).encode()
        out.append(b"$%d\r\n" % len(a))
        out.append(a)
        out.append(_CRLF)
    return b"".join(out)


class Connection:
    def __init__(self, host, port, timeout=10.0):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = bytearray()

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def send_raw(self, data):
        self.sock.sendall(data)

    def send(self, args):
        self.send_raw(encode_command(args))

    def call(self, args):
        self.send(args)
        return self.read_reply()

    # ---- reading -------------------------------------------------------
    def _fill(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ConnectionError("connection closed by server")
        self.buf += chunk

    def _line(self):
        while True:
            i = self.buf.find(_CRLF)
            if i >= 0:
                line = bytes(self.buf[:i])
                del self.buf[: i + 2]
                return line
            self._fill()

    def _exact(self, n):
        while len(self.buf) < n + 2:
            self._fill()
        data = bytes(self.buf[:n])
        if self.buf[n : n + 2] != _CRLF:
            raise ProtocolError("bulk payload not followed by CRLF")
        del self.buf[: n + 2]
        return data

    def at_eof(self, timeout=2.0):
        """True if the server closed the connection (after any buffered data)."""
        if self.buf:
            return False
        old = self.sock.gettimeout()
        self.sock.settimeout(timeout)
        try:
            chunk = self.sock.recv(65536)
        except socket.timeout:
            return False
        except ConnectionResetError:
            return True
        finally:
            self.sock.settimeout(old)
        if not chunk:
            return True
        self.buf += chunk
        return False

    def read_reply(self):
        line = self._line()
        if not line:
            raise ProtocolError("empty reply line")
        t, rest = chr(line[0]), line[1:]
        if t == "+":
            return ("+", rest.decode("utf-8", "backslashreplace"))
        if t == "-":
            return ("-", rest.decode("utf-8", "backslashreplace"))
        if t == ":":
            return (":", int(rest))
        if t == "$":
            n = int(rest)
            return ("$", None) if n < 0 else ("$", self._exact(n))
        if t == "!":
            return ("!", self._exact(int(rest)))
        if t == "=":
            data = self._exact(int(rest))
            return ("=", data[:3].decode(), data[4:])
        if t in "*~>":
            n = int(rest)
            if n < 0:
                return (t, None)
            return (t, [self.read_reply() for _ in range(n)])
        if t == "%":
            n = int(rest)
            return ("%", [(self.read_reply(), self.read_reply()) for _ in range(n)])
        if t == "|":
            n = int(rest)
            attrs = [(self.read_reply(), self.read_reply()) for _ in range(n)]
            return ("|", attrs, self.read_reply())
        if t == "_":
            return ("_", None)
        if t == ",":
            return (",", rest.decode())
        if t == "#":
            if rest not in (b"t", b"f"):
                raise ProtocolError("bad boolean %r" % rest)
            return ("#", rest == b"t")
        if t == "(":
            return ("(", rest.decode())
        raise ProtocolError("unknown reply type %r in %r" % (t, line))


def format_reply(reply, indent=0):
    """Renders a reply as readable lines (used for diffs)."""
    pad = "  " * indent
    t = reply[0]
    if t in "*~>" and isinstance(reply[1], list):
        name = {"*": "array", "~": "set", ">": "push"}[t]
        lines = [f"{pad}{name}({len(reply[1])})"]
        for r in reply[1]:
            lines += format_reply(r, indent + 1)
        return lines
    if t == "%" and isinstance(reply[1], list):
        lines = [f"{pad}map({len(reply[1])})"]
        for k, v in reply[1]:
            lines += format_reply(k, indent + 1)
            lines += format_reply(v, indent + 2)
        return lines
    if t == "|" and len(reply) == 3:
        lines = [f"{pad}attributes({len(reply[1])})"]
        for k, v in reply[1]:
            lines += format_reply(k, indent + 1)
            lines += format_reply(v, indent + 2)
        return lines + format_reply(reply[2], indent)
    names = {
        "+": "simple", "-": "error", ":": "integer", "$": "bulk", "!": "bloberror",
        "=": "verbatim", "_": "null", ",": "double", "#": "bool", "(": "bignum",
        "*": "array", "~": "set", ">": "push", "%": "map", "|": "attributes",
    }
    if t not in names or len(reply) < 2:
        return [f"{pad}{reply!r}"]
    if reply[1] is None and t != "_":
        return [f"{pad}{names[t]} nil"]
    if t == "=":
        return [f"{pad}verbatim {reply[1]}:{reply[2]!r}"]
    if t == "_":
        return [f"{pad}null"]
    return [f"{pad}{names[t]} {reply[1]!r}"]
