"""The wire format carries plain data exactly and refuses anything that could run code or lie about its size."""
import json
import struct

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import (arrays, boolean_dtypes, complex_number_dtypes, floating_dtypes, integer_dtypes,
                                   unsigned_integer_dtypes)

NUMERIC = st.one_of(boolean_dtypes(), integer_dtypes(), unsigned_integer_dtypes(), floating_dtypes(),
                    complex_number_dtypes())

from grader.sandbox import protocol


def roundtrip(value):
    frame = protocol.encode(value)
    header_len, body_len = struct.unpack("<QQ", frame[:16])
    return protocol.decode(frame[16:16 + header_len], frame[16 + header_len:])


@given(arrays(NUMERIC, st.tuples(*[st.integers(0, 4)] * 3)))
def test_arrays_roundtrip_exactly(a):
    b = roundtrip(a)
    assert isinstance(b, np.ndarray) and b.dtype == a.dtype.newbyteorder("=") and b.shape == a.shape
    np.testing.assert_array_equal(b, a)


@given(arrays(st.just(np.dtype('datetime64[s]')), 2) | arrays(st.just(np.dtype('U3')), 2))
def test_non_numeric_arrays_are_refused(a):
    assert isinstance(roundtrip(a), protocol.Unsupported)


def test_nested_plain_values_roundtrip():
    value = {"a": (1, 2.5, None, True), "b": [np.float64(3.0), "text"], "c": float("nan"), "d": float("-inf")}
    back = roundtrip(value)
    assert back["a"] == (1, 2.5, None, True)
    assert isinstance(back["b"][0], np.float64) and back["b"][1] == "text"
    assert np.isnan(back["c"]) and back["d"] == float("-inf")


@pytest.mark.parametrize("value,type_name", [
    ({1: 2}, "dict"), ({1, 2}, "set"), (object(), "object"), (np.array([object()]), "ndarray of dtype object"),
    (lambda: 0, "function"),
])
def test_anything_else_arrives_as_unsupported(value, type_name):
    back = roundtrip(value)
    assert isinstance(back, protocol.Unsupported)
    assert back.type_name == type_name


def test_a_fake_array_is_not_an_array():
    class FakeArray:
        shape = (3, 3)

        def __eq__(self, other):
            return True

    back = roundtrip(FakeArray())
    assert isinstance(back, protocol.Unsupported) and "FakeArray" in back.type_name


def test_decoder_refuses_object_dtypes_and_lying_sizes():
    body = b"\x00" * 8
    with pytest.raises(protocol.ProtocolError):
        protocol.decode(json.dumps({"__nd__": ["|O", [1], 0, 8]}).encode(), body)
    with pytest.raises(protocol.ProtocolError):
        protocol.decode(json.dumps({"__nd__": ["<f8", [2], 0, 8]}).encode(), body)
    with pytest.raises(protocol.ProtocolError):
        protocol.decode(json.dumps({"__nd__": ["<f8", [1], 4, 8]}).encode(), body)
    with pytest.raises(protocol.ProtocolError):
        protocol.decode(b"{not json", b"")
    with pytest.raises(protocol.ProtocolError):
        protocol.decode(json.dumps({"__pickle__": "x"}).encode(), b"")
