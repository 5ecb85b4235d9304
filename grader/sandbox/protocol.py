"""Plain-data wire format between the grader and the student process.

A message is a frame ``[u64 header_len][u64 blob_len][header JSON][blobs]``. The JSON header holds the value tree;
numpy arrays travel as ``{"__nd__": [dtype, shape, offset, nbytes]}`` with their bytes in the blob section. Only
plain data crosses the boundary: None, bool, int, float, str, lists, tuples, dicts with str keys, numpy arrays and
scalars of numeric dtypes. Nothing in a message can run code when it is decoded (no pickle, no object dtype).

A value the student process cannot encode arrives as :class:`Unsupported`, which names its type so the grader can
say "returned a dict, expected an ndarray of shape (1, 3, 3)".
"""
from __future__ import annotations

import json
import os
import struct
import sys
from dataclasses import dataclass

_FRAME = struct.Struct("<QQ")
MAX_MESSAGE_BYTES = 256 * 1024 * 1024
_MAX_DEPTH = 32
_ALLOWED_KINDS = frozenset("biufc")  # bool, signed, unsigned, float, complex


def clean_text(text, limit: int | None = None) -> str:
    """Untrusted text made safe to print and to write as UTF-8: lone surrogates (and anything else UTF-8 cannot
    encode) become '?', and the text is cut to ``limit`` characters, saying how much was cut."""
    if not isinstance(text, str):
        try:
            text = str(text)
        except BaseException:  # noqa: BLE001 - a hostile __str__
            text = "<unprintable>"
    if limit is not None and len(text) > limit:
        text = text[:limit] + f"... ({len(text) - limit} more characters cut)"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = text.encode("utf-8", "replace").decode("utf-8")
    return text


class ProtocolError(Exception):
    """The peer sent something that is not a well-formed message."""


@dataclass(frozen=True)
class Unsupported:
    """A value of a type that may not cross the boundary (a dict subclass, a generator, a torch tensor...)."""

    type_name: str
    text: str

    def __repr__(self) -> str:
        return f"<{self.type_name}: {self.text}>"


@dataclass(frozen=True)
class NumpyScalar:
    """Marker that a 0-d value arrived as a numpy scalar (np.float64(2.0)) rather than a Python number."""


def _encode(value, blobs: list[bytes], offset: list[int], depth: int = 0):
    if depth > _MAX_DEPTH:
        return {"__unsupported__": ["nested value", "nested more than 32 levels deep"]}
    t = type(value)
    if value is None or t in (bool, int, str):
        return value
    if t is float:
        if value != value or value in (float("inf"), float("-inf")):
            return {"__float__": repr(value)}
        return value
    # a value can only be an array once numpy is loaded: this module does not load it, so that the grader can start
    # the student's process before its own numpy import
    np = sys.modules.get("numpy")
    if np is not None and (isinstance(value, np.ndarray) or isinstance(value, np.generic)):
        arr = np.asarray(value)
        if arr.dtype.kind not in _ALLOWED_KINDS:
            return {"__unsupported__": [f"ndarray of dtype {arr.dtype}", _short(value)]}
        arr = np.array(arr, dtype=arr.dtype.newbyteorder("<"), order="C", copy=True).view(np.ndarray)
        data = arr.tobytes()
        tag = [arr.dtype.str, list(arr.shape), offset[0], len(data)]
        blobs.append(data)
        offset[0] += len(data)
        return {"__np__": tag} if isinstance(value, np.generic) else {"__nd__": tag}
    if t in (list, tuple):
        items = [_encode(v, blobs, offset, depth + 1) for v in value]
        return items if t is list else {"__tuple__": items}
    if t is dict and all(type(k) is str for k in value):
        return {"__dict__": {k: _encode(v, blobs, offset, depth + 1) for k, v in value.items()}}
    return {"__unsupported__": [_type_name(value), _short(value)]}


def _type_name(value) -> str:
    t = type(value)
    mod = getattr(t, "__module__", "") or ""
    name = getattr(t, "__qualname__", "?")
    return name if mod in ("builtins", "") else f"{mod}.{name}"


def _short(value, limit: int = 200) -> str:
    try:
        text = repr(value)
    except BaseException:  # a hostile __repr__ must not break encoding
        text = "<unprintable>"
    return text if len(text) <= limit else text[:limit] + "..."


def encode(value) -> bytes:
    """Encode a value tree into one frame."""
    blobs: list[bytes] = []
    header = json.dumps(_encode(value, blobs, [0]), allow_nan=False).encode()
    body = b"".join(blobs)
    return _FRAME.pack(len(header), len(body)) + header + body


def _decode(node, body: memoryview, depth: int = 0):
    if depth > _MAX_DEPTH + 1:
        raise ProtocolError("message nested too deeply")
    if node is None or type(node) in (bool, int, float, str):
        return node
    if type(node) is list:
        return [_decode(v, body, depth + 1) for v in node]
    if type(node) is not dict or len(node) != 1:
        raise ProtocolError("malformed value in message")
    (key, payload), = node.items()
    if key in ("__nd__", "__np__"):
        import numpy as np

        dtype_str, shape, start, nbytes = payload
        dtype = np.dtype(str(dtype_str))
        if dtype.kind not in _ALLOWED_KINDS or dtype.hasobject:
            raise ProtocolError(f"refused dtype {dtype_str!r}")
        shape = tuple(int(s) for s in shape)
        if any(s < 0 for s in shape) or start < 0 or start + nbytes > len(body):
            raise ProtocolError("array outside the message")
        if int(np.prod(shape, dtype=np.int64)) * dtype.itemsize != nbytes:
            raise ProtocolError("array size does not match its shape")
        arr = np.frombuffer(body[start:start + nbytes], dtype=dtype).reshape(shape).copy()
        arr = arr.astype(dtype.newbyteorder("="), copy=False)
        return arr[()] if key == "__np__" else arr
    if key == "__tuple__":
        return tuple(_decode(v, body, depth + 1) for v in payload)
    if key == "__dict__":
        return {str(k): _decode(v, body, depth + 1) for k, v in payload.items()}
    if key == "__float__":
        return float(payload)
    if key == "__unsupported__":   # names a type the peer chose: cut and cleaned (it may be 40 MB of surrogates)
        return Unsupported(clean_text(payload[0], 200), clean_text(payload[1], 300))
    raise ProtocolError(f"unknown tag {key!r}")


def decode(header: bytes, body: bytes):
    """Decode one frame's header and blob section into plain values."""
    try:
        tree = json.loads(header)
    except (ValueError, RecursionError) as exc:
        raise ProtocolError(f"unreadable message header: {exc}") from None
    try:
        return _decode(tree, memoryview(body))
    except ProtocolError:
        raise
    except (TypeError, ValueError, KeyError, RecursionError) as exc:
        raise ProtocolError(f"malformed message: {exc}") from None


class WriteTimeout(OSError):
    """The peer did not read a message within the time allowed (it stopped reading its requests)."""


def write_message(fd: int, value, timeout: float | None = None) -> None:
    """Write one encoded frame to a file descriptor; with ``timeout``, raise :class:`WriteTimeout` when the peer
    has not taken the whole frame within that many seconds (the descriptor is made non-blocking for it)."""
    data = memoryview(encode(value))
    if timeout is None:
        while data:
            n = os.write(fd, data)
            data = data[n:]
        return
    import select
    import time

    os.set_blocking(fd, False)
    deadline = time.monotonic() + timeout
    while data:
        try:
            n = os.write(fd, data)
        except BlockingIOError:
            n = 0
        data = data[n:]
        if data:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([], [fd], [], left)[1]:
                raise WriteTimeout(f"the peer did not read a message of {len(data)} more bytes in {timeout:.0f} s")


def read_exact(fd: int, n: int) -> bytes:
    """Read exactly n bytes or raise EOFError."""
    parts, got = [], 0
    while got < n:
        chunk = os.read(fd, min(n - got, 1 << 20))
        if not chunk:
            raise EOFError("peer closed the channel")
        parts.append(chunk)
        got += len(chunk)
    return b"".join(parts)


def read_frame_sizes(fd: int) -> tuple[int, int]:
    header_len, body_len = _FRAME.unpack(read_exact(fd, _FRAME.size))
    if header_len + body_len > MAX_MESSAGE_BYTES:
        raise ProtocolError(f"message of {header_len + body_len} bytes is over the limit")
    return header_len, body_len


def read_message(fd: int):
    """Read one frame (blocking) and decode it."""
    header_len, body_len = read_frame_sizes(fd)
    return decode(read_exact(fd, header_len), read_exact(fd, body_len))
