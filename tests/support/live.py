"""Loopback networking for tests: free ports, the app served by uvicorn in a thread, and stopping
a server started as a child process.

Ports come from binding port 0; ``serve_app`` hands uvicorn the already-bound socket, so no other
process (a parallel xdist worker) can take the port between choosing and listening.
"""

from __future__ import annotations

import contextlib
import socket
import subprocess
import threading
from collections.abc import Iterator

from fastapi import FastAPI


def free_socket() -> socket.socket:
    """A TCP socket bound to a free loopback port (not listening yet)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


def free_port() -> int:
    """A loopback port that was free a moment ago, for servers that must bind it themselves."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextlib.contextmanager
def serve_app(application: FastAPI, sock: socket.socket | None = None) -> Iterator[str]:
    """Serve ``application`` (lifespan on) on a free loopback port in a thread; yield its URL.
    ``sock`` is a :func:`free_socket` chosen earlier (the app's settings name its address)."""
    import uvicorn

    sock = sock or free_socket()
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(application, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    # uvicorn sets ``started`` once the lifespan ran and it listens; wait on the thread meanwhile.
    for _ in range(400):
        if server.started or not thread.is_alive():
            break
        thread.join(0.05)
    if not server.started:
        sock.close()
        raise RuntimeError("the test server did not start")
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


def stop(process: subprocess.Popen[str]) -> None:
    """Terminate a server started as a child process; kill it if it is still up after 15 s."""
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
