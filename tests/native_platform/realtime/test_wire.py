"""Ready-made websocket text frames for direct writes."""

from __future__ import annotations

import pytest
from websockets.frames import Frame, Opcode
from websockets.streams import StreamReader

from native_platform.realtime.wire import frame_text, text_frame


@pytest.mark.parametrize("size", [0, 125, 126, 65535, 65536])
def test_text_frame_parses_as_one_final_unmasked_text_frame(size: int) -> None:
    """Every length encoding yields a frame the websockets parser reads back unchanged."""
    text = "é" * (size // 2) + "x" * (size % 2)
    wire = text_frame(text.encode())
    reader = StreamReader()
    reader.feed_data(wire)
    reader.feed_eof()
    parser = Frame.parse(reader.read_exact, mask=False)
    try:
        next(parser)
    except StopIteration as done:
        frame: Frame = done.value
    else:
        raise AssertionError("frame incomplete")
    assert frame.opcode is Opcode.TEXT and frame.fin and not frame.rsv1
    assert bytes(frame.data).decode() == text
    assert frame_text(wire) == text
