"""A TCP proxy for tests, put between the bot and PostgreSQL to make the database go away
and come back the ways a real one does:

- `cut()`: every open connection ends at once (PostgreSQL restarted, a failover, a NAT
  forgetting its table);
- `refuse()`: cut, and new connections are refused (nothing listens on the port any more);
- `black_hole()`: cut, and new connections are accepted but never answered (a host or
  network that drops packets: the client waits for its own timeout);
- `stall()`: nothing passes any more, but nothing is closed either: open connections wait
  for answers that do not come, new ones are black-holed (a network partition);
- `restore()`: new connections reach the server again (cut ones stay cut; stalled ones
  carry on with what was held back).

Threads and blocking sockets from the standard library: one thread accepts, two pump
each connection's bytes (one each way)."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress

OPEN, REFUSE, BLACK_HOLE, STALL = "open", "refuse", "black hole", "stall"


class TcpProxy:
    """Listens on 127.0.0.1 (`port`) and forwards to `upstream` while open."""

    def __init__(self, upstream_host: str, upstream_port: int):
        self.upstream = (upstream_host, upstream_port)
        self.mode = OPEN
        self.accepted = 0  # connections accepted, whatever the mode (tests read it)
        self._changed = threading.Condition()
        self._closed = False
        self._pairs: set[tuple[socket.socket, socket.socket]] = set()
        self._held: list[socket.socket] = []  # black-holed: accepted, never read
        self._flowing = threading.Event()  # cleared while stalled: pumps hold what they read
        self._flowing.set()
        self._listener: socket.socket | None = self._listen(0)
        self.port = self._listener.getsockname()[1]
        self._acceptor = threading.Thread(target=self._accept_loop, name="tcp-proxy", daemon=True)
        self._acceptor.start()

    def __enter__(self) -> TcpProxy:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # -- what a test does ----------------------------------------------------------------
    def cut(self) -> int:
        """End every open connection (both sides); returns how many there were."""
        with self._changed:
            pairs, self._pairs = self._pairs, set()
            held, self._held = self._held, []
        for client, server in pairs:
            _close(client)
            _close(server)
        for client in held:
            _close(client)
        return len(pairs)

    def refuse(self) -> None:
        """Cut, and refuse new connections: the port is closed."""
        with self._changed:
            self.mode = REFUSE
            listener, self._listener = self._listener, None
        if listener is not None:
            _close(listener)
        self.cut()

    def black_hole(self) -> None:
        """Cut, and accept new connections without ever answering them."""
        with self._changed:
            self.mode = BLACK_HOLE
            if self._listener is None:
                self._listener = self._listen(self.port)
            self._changed.notify_all()
        self.cut()

    def stall(self) -> None:
        """Pass nothing, close nothing: open connections hang, new ones are black-holed."""
        with self._changed:
            self.mode = STALL
            self._flowing.clear()
            if self._listener is None:
                self._listener = self._listen(self.port)
            self._changed.notify_all()

    def restore(self) -> None:
        """New connections reach the server again; held (black-holed) ones are cut, stalled
        ones go on."""
        with self._changed:
            self.mode = OPEN
            self._flowing.set()
            if self._listener is None:
                self._listener = self._listen(self.port)
            self._changed.notify_all()
            held, self._held = self._held, []
        for client in held:
            _close(client)

    @contextmanager
    def down(self, how: str = REFUSE) -> Iterator[None]:
        """The database away (refused, black-holed or stalled) inside the block, back after."""
        {REFUSE: self.refuse, BLACK_HOLE: self.black_hole, STALL: self.stall}[how]()
        try:
            yield
        finally:
            self.restore()

    def close(self) -> None:
        with self._changed:
            self._closed = True
            self._flowing.set()
            listener, self._listener = self._listener, None
            self._changed.notify_all()
        if listener is not None:
            _close(listener)
        self.cut()
        self._acceptor.join(5)

    # -- inside ----------------------------------------------------------------------------
    @staticmethod
    def _listen(port: int) -> socket.socket:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", port))
        listener.listen(64)
        listener.settimeout(0.05)  # so that the acceptor notices a refuse() or close()
        return listener

    def _accept_loop(self) -> None:
        while True:
            with self._changed:
                self._changed.wait_for(lambda: self._closed or self._listener is not None)
                if self._closed:
                    return
                listener = self._listener
            try:
                client, _ = listener.accept()  # type: ignore[union-attr]
            except (TimeoutError, OSError):
                continue  # no one came, or refuse()/close() closed the listener
            self._take(client)

    def _take(self, client: socket.socket) -> None:
        client.settimeout(None)
        with self._changed:
            self.accepted += 1
            mode = self.mode
            if mode in (BLACK_HOLE, STALL):
                self._held.append(client)
                return
        if mode == REFUSE:  # accepted just before the port closed
            _close(client)
            return
        try:
            server = socket.create_connection(self.upstream, timeout=5)
        except OSError:
            _close(client)
            return
        server.settimeout(None)
        with self._changed:
            self._pairs.add((client, server))
        for source, sink in ((client, server), (server, client)):
            threading.Thread(
                target=self._pump, args=(source, sink, (client, server)), daemon=True
            ).start()

    def _pump(
        self, source: socket.socket, sink: socket.socket, pair: tuple[socket.socket, socket.socket]
    ) -> None:
        try:
            while data := source.recv(65536):
                self._flowing.wait()
                sink.sendall(data)
        except OSError:
            pass
        with self._changed:
            self._pairs.discard(pair)
        for end in pair:
            _close(end)


def _close(sock: socket.socket) -> None:
    with suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    with suppress(OSError):
        sock.close()
