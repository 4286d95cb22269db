"""Runs gcp-storage-emulator with a thread per connection (written by `cargo xtask emulators`).

The emulator serves one request at a time (`http.server.HTTPServer`): a client that streams an
upload whose bytes it reads from the same emulator (an object copied by streaming it from one
key into another) then waits for itself forever, which Cloud Storage never makes it do. Here
each connection has its own thread and reads its request body on its own; the emulator's
handlers still run one at a time, under one lock, since its storage is not thread-safe.

It also answers a resumable session's status as Cloud Storage does when the session holds no
bytes yet: `308` without a `Range` header. The emulator says `Range: bytes=0-0` (one byte kept),
then refuses the resend from byte 0 that a client must make.
"""

import io
import sys
import threading
from http import server

from gcp_storage_emulator import server as emulator
from gcp_storage_emulator.__main__ import main
from gcp_storage_emulator.handlers import objects

_TURN = threading.Lock()


class _ThreadingServer(server.ThreadingHTTPServer):
    daemon_threads = True


def _one_at_a_time(handle):
    def wrapped(self):
        wire = self.rfile
        length = self.headers.get("Content-Length", "")
        if length.isdigit():
            # The body first, outside the turn: its client may need another answer to send it.
            self.rfile = io.BytesIO(wire.read(int(length)))
        try:
            with _TURN:
                handle(self)
        finally:
            self.rfile = wire

    return wrapped


for _name in ("do_GET", "do_HEAD", "do_POST", "do_PUT", "do_PATCH", "do_DELETE"):
    if hasattr(emulator.RequestHandler, _name):
        setattr(emulator.RequestHandler, _name, _one_at_a_time(getattr(emulator.RequestHandler, _name)))
server.HTTPServer = _ThreadingServer


def _resumable_incomplete(response, storage, upload_id, fallback_end=0):
    # `fallback_end` stays for the callers' signature: a session that holds nothing says nothing.
    response.status = objects.GoogleHTTPStatus.RESUME_INCOMPLETE
    received = storage.get_resumable_byte_count(upload_id)
    if received > 0:
        response["Range"] = "bytes=0-{}".format(received - 1)


objects._resumable_incomplete = _resumable_incomplete

if __name__ == "__main__":
    sys.argv[0] = "gcp-storage-emulator"
    sys.exit(main())
