"""server.wire: an answer's head and body leave in one write, and nothing is held past the loop's turn."""

from __future__ import annotations

import asyncio
from typing import Any

import uvicorn
from uvicorn.server import ServerState

from server.wire import CoalescingTransport, HttpToolsProtocol


class RecordingTransport(asyncio.Transport):
    def __init__(self) -> None:
        super().__init__()
        self.writes: list[bytes] = []
        self.closed = False

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self.writes.append(bytes(data))

    def close(self) -> None:
        self.closed = True

    def is_closing(self) -> bool:
        return self.closed


def test_a_head_and_a_body_written_in_one_step_reach_the_socket_as_one_write() -> None:
    async def answer() -> list[bytes]:
        real = RecordingTransport()
        wire = CoalescingTransport(real, asyncio.get_running_loop())
        wire.write(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n")
        wire.write(b"{}")
        assert real.writes == [b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}"]
        wire.write(b"next")  # a lone write goes out at the loop's next turn
        assert len(real.writes) == 1
        await asyncio.sleep(0)
        return real.writes

    assert asyncio.run(answer())[1:] == [b"next"]


def test_closing_sends_what_is_held_first_and_a_closed_socket_gets_nothing() -> None:
    async def close() -> RecordingTransport:
        real = RecordingTransport()
        wire = CoalescingTransport(real, asyncio.get_running_loop())
        wire.write(b"HTTP/1.1 400 Bad Request\r\n\r\n")
        wire.close()
        wire.write(b"late")
        await asyncio.sleep(0)
        return real

    real = asyncio.run(close())
    assert real.writes == [b"HTTP/1.1 400 Bad Request\r\n\r\n"] and real.closed


class SocketlessTransport(RecordingTransport):
    """What uvicorn asks of a connection's transport, without a socket."""

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return ("127.0.0.1", 8000) if name in ("peername", "sockname") else default

    def pause_reading(self) -> None: ...
    def resume_reading(self) -> None: ...


def test_uvicorn_with_this_protocol_answers_a_request_in_one_write() -> None:
    async def app(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"2")]})
        await send({"type": "http.response.body", "body": b"{}"})

    async def exchange() -> list[bytes]:
        config = uvicorn.Config(app, http="server.wire:HttpToolsProtocol", log_config=None, lifespan="off")
        config.load()
        assert config.http_protocol_class is HttpToolsProtocol
        protocol = HttpToolsProtocol(config, ServerState(), {}, asyncio.get_running_loop())
        real = SocketlessTransport()
        protocol.connection_made(real)
        protocol.data_received(b"GET / HTTP/1.1\r\nhost: example.com\r\n\r\n")
        for _ in range(10):
            await asyncio.sleep(0)
        return real.writes

    (answer,) = asyncio.run(exchange())
    assert answer.startswith(b"HTTP/1.1 200 OK\r\n") and answer.endswith(b"\r\n\r\n{}")
