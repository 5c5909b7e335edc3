#!/usr/bin/env python3
"""A raw-socket origin for the gateway's framing tests (RFC 9112 §6–§9 edge cases).

Each path answers with exact bytes a real server might send, framings NIO's own server would
never produce: a body ended by closing, HTTP/1.0 without a length, 1xx before the final answer,
204 and 304 that carry a Content-Length, trailers, a head split over several writes, an upgrade.
Usage: raw_upstream.py PORTFILE [CERT KEY]; prints the port it bound to PORTFILE.
"""
import hashlib, socket, socketserver, ssl, sys, threading, time

BODY = b"".join(b"line %05d of the framing body\n" % i for i in range(2000))  # 60,000 bytes


def head(status, *headers):
    return ("HTTP/1.1 %s\r\n" % status + "".join(h + "\r\n" for h in headers) + "\r\n").encode()


def chunked(data, size=7000, trailers=()):
    out = b""
    for i in range(0, len(data), size):
        part = data[i:i + size]
        out += b"%x\r\n" % len(part) + part + b"\r\n"
    return out + b"0\r\n" + b"".join(t.encode() + b"\r\n" for t in trailers) + b"\r\n"


class Handler(socketserver.BaseRequestHandler):
    def read_request(self, buf):
        while b"\r\n\r\n" not in buf:
            data = self.request.recv(65536)
            if not data:
                return None, buf
            buf += data
        raw, buf = buf.split(b"\r\n\r\n", 1)
        lines = raw.decode("latin-1").split("\r\n")
        method, target, version = lines[0].split(" ")
        headers = {}
        for line in lines[1:]:
            k, v = line.split(":", 1)
            headers[k.strip().lower()] = v.strip()
        length = int(headers.get("content-length", "0"))
        while len(buf) < length:
            data = self.request.recv(65536)
            if not data:
                break
            buf += data
        body, buf = buf[:length], buf[length:]
        return (method, target, version, headers, body), buf

    def handle(self):
        buf = b""
        while True:
            request, buf = self.read_request(buf)
            if request is None:
                return
            if not self.answer(*request):
                return

    def send(self, data):
        self.request.sendall(data)

    def answer(self, method, target, version, headers, body):
        """Sends the answer for `target`; False when the connection ends with it."""
        path = target.split("?")[0]
        digest = hashlib.sha256(BODY).hexdigest()
        length = "Content-Length: %d" % len(BODY)
        nobody = method == "HEAD"
        if path == "/cl-close":
            self.send(head("200 OK", length, "Connection: close", "X-Digest: " + digest) + (b"" if nobody else BODY))
            return False
        if path == "/eof":
            # No length and no chunking: the body is everything until the close (RFC 9112 §6.3 rule 8).
            self.send(head("200 OK", "Content-Type: text/plain", "X-Digest: " + digest))
            if not nobody:
                for i in range(0, len(BODY), 10000):
                    self.send(BODY[i:i + 10000])
                    time.sleep(0.01)
            return False
        if path == "/http10":
            self.send(b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\n" + (b"" if nobody else BODY))
            return False
        if path == "/chunked":
            self.send(head("200 OK", "Transfer-Encoding: chunked", "Trailer: X-Checksum")
                      + (b"" if nobody else chunked(BODY, trailers=["X-Checksum: " + digest])))
            return True
        if path == "/early-hints":
            self.send(head("103 Early Hints", "Link: </style.css>; rel=preload; as=style"))
            time.sleep(0.02)
            self.send(head("200 OK", length) + (b"" if nobody else BODY))
            return True
        if path == "/no-content":
            self.send(head("204 No Content", "X-Case: no-content"))
            return True
        if path == "/not-modified":
            # A 304 may carry the Content-Length the 200 would have had, and never a body (§6.3 rule 1).
            self.send(head("304 Not Modified", length, 'ETag: "framing"'))
            return True
        if path == "/head-length":
            self.send(head("200 OK", length) + (b"" if nobody else BODY))
            return True
        if path == "/split":
            # The head arrives in pieces, a byte at a time at first.
            data = head("200 OK", length, "X-Case: split") + BODY
            for i in range(40):
                self.send(data[i:i + 1])
                time.sleep(0.002)
            self.send(data[40:])
            return True
        if path == "/upgrade":
            if headers.get("upgrade"):
                self.send(head("101 Switching Protocols", "Upgrade: " + headers["upgrade"], "Connection: Upgrade"))
                while True:
                    data = self.request.recv(65536)
                    if not data:
                        return False
                    self.send(data)
            self.send(head("200 OK", "Content-Length: 10") + b"no upgrade")
            return True
        if path == "/close-early":
            # A length is promised and not kept: the client must see the cut, not a complete answer.
            self.send(head("200 OK", length) + BODY[:1000])
            return False
        if path == "/echo":
            self.send(head("200 OK", "Content-Length: %d" % len(body)) + body)
            return True
        self.send(head("404 Not Found", "Content-Length: 9") + b"not found")
        return True


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, context):
        super().__init__(("127.0.0.1", 0), Handler)
        self.context = context

    def get_request(self):
        sock, address = super().get_request()
        if self.context:
            sock = self.context.wrap_socket(sock, server_side=True)
        return sock, address


if __name__ == "__main__":
    context = None
    if len(sys.argv) > 3:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(sys.argv[2], sys.argv[3])
    server = Server(context)
    with open(sys.argv[1], "w") as f:
        f.write(str(server.server_address[1]))
    server.serve_forever()
