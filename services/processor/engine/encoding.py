"""Text encoding: detection on a sample, and a streaming transcoder to the UTF-8 that Arrow parses.

Detection: a BOM (UTF-8, UTF-16 LE/BE) wins; else UTF-16 without BOM from its NUL pattern; else UTF-8 if
the sample decodes with more valid non-ASCII characters than bad bytes; else cp1252 (Latin-1 for its five
unassigned bytes), reported as a fallback.
The transcoder passes valid UTF-8 through untouched (validation only) and replaces undecodable bytes
with U+FFFD, noting the line of each, so a bad byte costs a counted row instead of the whole file.
"""

from __future__ import annotations

import codecs
from collections.abc import Callable
from dataclasses import dataclass
from typing import BinaryIO

from services.processor.engine import _kernels
from services.processor.engine.streams import _ReadOnly, read_fully, readinto_fully

Decoder = Callable[[bytes | memoryview, str, bool], tuple[str, int]]

# cp1252 leaves 0x81, 0x8D, 0x8F, 0x90 and 0x9D unassigned; Latin-1 fills them so the fallback never fails.
_CP1252_TABLE = "".join(bytes([b]).decode("cp1252", errors="ignore") or chr(b) for b in range(256))

READ_BYTES = 4 * 1024 * 1024


@dataclass(frozen=True)
class EncodingGuess:
    name: str  # codec for the transcoder; utf-8-sig and utf-16 names carry their BOM
    bom: int  # bytes of BOM to drop
    fallback: bool  # the sample was valid in no detected encoding: cp1252 guessed


def detect_encoding(sample: bytes, override: str = "") -> EncodingGuess:
    """The encoding of a file from its first bytes (the sample may end inside a character)."""
    if override:
        return _given(codecs.lookup(override).name, sample)
    if sample.startswith(codecs.BOM_UTF8):
        return EncodingGuess("utf-8-sig", 3, False)
    if sample.startswith(codecs.BOM_UTF16_LE):
        return EncodingGuess("utf-16-le", 2, False)
    if sample.startswith(codecs.BOM_UTF16_BE):
        return EncodingGuess("utf-16-be", 2, False)
    utf16 = _utf16_without_bom(sample)
    if utf16:
        return EncodingGuess(utf16, 0, False)
    text, _, bad = decode_replacing(sample, codecs.utf_8_decode, False)  # not final: the sample may cut a character
    if bad and len(bad) > sum(1 for c in text if c > "\x7f") - len(bad):
        return EncodingGuess("cp1252", 0, True)  # more broken than valid non-ASCII: not UTF-8 at all
    return EncodingGuess("utf-8", 0, False)  # UTF-8, with its few bad bytes replaced and counted


# Unicode encodings whose byte order a BOM settles: (the name given, the BOM, the codec it settles on).
_ORDERED = (
    ("utf-32", codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16's: its LE BOM starts with theirs
    ("utf-32", codecs.BOM_UTF32_BE, "utf-32-be"),
    ("utf-16", codecs.BOM_UTF16_LE, "utf-16-le"),
    ("utf-16", codecs.BOM_UTF16_BE, "utf-16-be"),
)


def _given(name: str, sample: bytes) -> EncodingGuess:
    """The encoding a caller named, its BOM dropped when the file has one (the first column was named
    '\ufeffid'), and UTF-16 or UTF-32 without a byte order settled on the file's: the transcoder decodes each
    read apart, so after the first the BOM's order was lost (a big-endian file past 4 MiB became garbage)."""
    if name in ("utf-8", "utf-8-sig"):
        return (
            EncodingGuess("utf-8-sig", 3, False)
            if sample.startswith(codecs.BOM_UTF8)
            else EncodingGuess("utf-8", 0, False)
        )
    for family, bom, ordered in _ORDERED:
        if name in (family, ordered) and sample.startswith(bom):
            return EncodingGuess(ordered, len(bom), False)
    if name in ("utf-16", "utf-32"):  # no BOM: as the NUL rhythm shows, else little-endian (Python's default here)
        found = _utf16_without_bom(sample) if name == "utf-16" else ""
        return EncodingGuess(found or f"{name}-le", 0, False)
    return EncodingGuess(name, 0, False)


def _utf16_without_bom(sample: bytes) -> str:
    """UTF-16 text has a NUL in every other byte wherever it writes ASCII (all of it in English, the delimiters,
    digits and line breaks in Cyrillic or Greek); binary data does not keep that rhythm. Under 70% of NULs (text
    mostly not ASCII), the sample must also decode cleanly with a line break and few control characters."""
    head = sample[:4096]
    if len(head) < 4:
        return ""
    even_nuls = head[0::2].count(0) / len(head[0::2])
    odd_nuls = head[1::2].count(0) / len(head[1::2])
    for name, nuls, others in (("utf-16-le", odd_nuls, even_nuls), ("utf-16-be", even_nuls, odd_nuls)):
        if nuls > 0.7 and others < 0.1:
            return name
        if nuls > 0.15 and others < 0.02 and _reads_as_text(head[: len(head) // 2 * 2], name):
            return name
    return ""


def _reads_as_text(data: bytes, name: str) -> bool:
    try:
        text = data.decode(name)
    except UnicodeDecodeError:
        text = data[:-2].decode(name, errors="replace")  # the cut may split a surrogate pair
        if "\ufffd" in text:
            return False
    controls = sum(1 for c in text if c < " " and c not in "\t\r\n")
    return "\n" in text and controls <= len(text) // 100


def decoder_for(encoding: str) -> Decoder:
    """A stateless decode(data, errors, final) -> (text, consumed) for the transcoder."""
    name = codecs.lookup(encoding).name
    if name in ("utf-8", "utf-8-sig"):
        return codecs.utf_8_decode  # the BOM is dropped before decoding
    if name in ("utf-16-le", "utf-16-be"):
        return codecs.utf_16_le_decode if name == "utf-16-le" else codecs.utf_16_be_decode
    if name == "cp1252":
        return _cp1252_decode
    return _incremental(name)


def _incremental(name: str) -> Decoder:
    """Any other codec, by its incremental decoder afresh for each read: a character that spans bytes (Shift JIS,
    GB18030, Big5, UTF-32) cut by the end of a read is left for the next (the codec's plain decoder replaced each
    of its bytes as undecodable). Escape-sequence codecs (ISO-2022-JP) keep a state across reads that this does
    not carry."""
    factory = codecs.getincrementaldecoder(name)

    def decode(data: bytes | memoryview, errors: str, final: bool) -> tuple[str, int]:
        decoder = factory(errors)
        text = decoder.decode(bytes(data), final)
        return text, len(data) - len(decoder.getstate()[0])

    return decode


def _cp1252_decode(data: bytes | memoryview, errors: str, final: bool) -> tuple[str, int]:
    return codecs.charmap_decode(data, errors, _CP1252_TABLE)


def encoded_size(text: str, encoding: str) -> int:
    """How many bytes `text`, decoded here from `encoding`, took in the file: cp1252 one a character, its five
    unassigned bytes too (read as Latin-1's, which Python's cp1252 encoder refuses: a header holding one failed
    the sniff)."""
    name = codecs.lookup(encoding).name
    if name == "cp1252":
        return len(text)
    return len(text.encode("utf-8" if name == "utf-8-sig" else name))


def decode_replacing(data: bytes | memoryview, decode: Decoder, final: bool) -> tuple[str, int, list[int]]:
    """Decode, replacing undecodable bytes with U+FFFD; returns text, bytes consumed, offsets of replacements."""
    view = memoryview(data)
    parts: list[str] = []
    bad: list[int] = []
    pos = 0
    length = 0
    while True:
        try:
            text, used = decode(view[pos:], "strict", final)
        except UnicodeDecodeError as error:
            good, _ = decode(view[pos : pos + error.start], "strict", True)
            parts.append(good)
            length += len(good)
            bad.append(length)
            parts.append("\ufffd")
            length += 1
            pos += error.end
            continue
        parts.append(text)
        return "".join(parts), pos + used, bad


def sample_text(sample: bytes, guess: EncodingGuess) -> str:
    """The sample as text, its cut last character dropped."""
    text, _, _ = decode_replacing(sample[guess.bom :], decoder_for(guess.name), False)
    return text


class TranscodingStream(_ReadOnly):
    """UTF-8 bytes from a stream in `encoding`; undecodable bytes become U+FFFD and their lines are noted.

    `bad_lines` collects the 1-based line of each replaced byte run, lines ending as Arrow ends them: in \\n, \\r\\n
    or a lone \\r; the reader drains it into the parse report. `lines` is how many line ends were passed so far;
    `saw_cr` whether a \\r was (the reader then counts lone ones in its line numbers too).
    """

    def __init__(self, source: BinaryIO, guess: EncodingGuess, read_bytes: int = READ_BYTES) -> None:
        self._source = source
        self.saw_cr = False  # a \r has been passed: lone ones end lines (a file of \n lines may hold a stray one)
        self._after_cr = False  # the output so far ends in \r: a \n next completes that line end, no new one
        self._decode = decoder_for(guess.name)
        self._passthrough = guess.name in ("utf-8", "utf-8-sig")
        self._bom_left = guess.bom
        self._read_bytes = read_bytes
        self._pending = b""  # an incomplete character at the end of the last read
        self._out = b""
        self._eof = False
        self.lines = 0
        self.bad_lines: list[int] = []

    def read(self, size: int = -1) -> bytes:
        while not self._out and not self._eof:
            self._fill(max(size, self._read_bytes) if size > 0 else self._read_bytes)
        if size < 0 or size >= len(self._out):
            data, self._out = self._out, b""
        else:
            data, self._out = self._out[:size], self._out[size:]
        return data

    def read_into(self, buffer: bytearray, start: int, size: int) -> int:
        """read(size) into buffer[start : start + size] (which must exist); the bytes given, fewer only at the end.
        A UTF-8 source with nothing held back (no output waiting, no character cut by the last read, the BOM
        dropped) is read into the buffer itself and checked there: the block reader's buffer, reused block after
        block, then takes the file's bytes with no copy (a read into fresh bytes, then the block joined to the line
        carried over, copied every block twice, into fresh pages early on)."""
        if self._out or self._pending or self._bom_left or not self._passthrough or self._eof:
            data = self.read(size)
            buffer[start : start + len(data)] = data
            return len(data)
        with memoryview(buffer) as view:
            target = view[start : start + size]
            got = readinto_fully(self._source, target)
            self._eof = got < size
            out = self._accept(target[:got], self._eof, (buffer, start))
            if out is not None:  # bytes that were not UTF-8, replaced: the output differs from what was read
                data, self._out = out[:size], out[size:]
                target[: len(data)] = data
                return len(data)
            given = got - len(self._pending)  # a character cut at the end waits for the next read
        if given == 0 and not self._eof:  # nothing but a cut character yet: read on (no longer in place)
            return self.read_into(buffer, start, size)
        return given

    def _fill(self, size: int) -> None:
        raw = read_fully(self._source, size)
        final = len(raw) < size
        if self._bom_left:
            dropped = min(self._bom_left, len(raw))
            raw, self._bom_left = raw[dropped:], self._bom_left - dropped
        self._eof = final
        data = self._pending + raw if self._pending else raw
        out = self._accept(data, final)
        self._out = data[: len(data) - len(self._pending)] if out is None else out

    def _accept(
        self, data: bytes | memoryview, final: bool, where: tuple[bytearray, int] | None = None
    ) -> bytes | None:
        """Check `data` and count its lines: None when it is UTF-8 as it is (a character its end cuts is kept back
        in `_pending` for the next read), else its bytes transcoded to UTF-8. `where`: the buffer a view `data` is
        of and where in it it starts (its line ends are counted there, without a copy)."""
        # One compiled pass without the GIL (the reader runs beside the profiler's threads).
        is_ascii, lines, crs = _kernels.byte_facts(data, 10, 13) if self._passthrough else (False, 0, 0)
        out: bytes | memoryview
        if is_ascii:  # ASCII is UTF-8: no decoding (4x quicker than validating)
            out, used, same = data, len(data), True
        else:
            out, used, same = self._transcode(data, final)
            _, lines, crs = _kernels.byte_facts(out, 10, 13)
        self._pending = bytes(data[used:])
        self.saw_cr |= crs > 0
        if crs or self._after_cr:  # (a \r\n cut by the last read counts once)
            text: bytes | bytearray
            if isinstance(out, memoryview):  # a view of the reader's buffer (only read_into hands one in): there
                assert where is not None
                text, first = where
            else:
                text, first = out, 0
            lines += self._lone_crs(text, crs, first, first + len(out))
        self.lines += lines
        return None if same else bytes(out)

    def _lone_crs(self, out: bytes | bytearray, crs: int, start: int, end: int) -> int:
        """The lone \\r among the `crs` in out[start:end]. A \\r ending the output before it was counted as one: a
        \\n next completes it."""
        if end <= start:
            return 0
        count = crs - (out.count(b"\r\n", start, end) if crs else 0)
        count -= self._after_cr and out.startswith(b"\n", start, end)
        self._after_cr = out.endswith(b"\r", start, end)
        return count

    def _transcode(self, data: bytes | memoryview, final: bool) -> tuple[bytes | memoryview, int, bool]:
        """(UTF-8 output, bytes of `data` used, whether the output is `data`'s own first bytes)."""
        try:
            text, used = self._decode(data, "strict", final)
        except UnicodeDecodeError:
            return *self._transcode_replacing(bytes(data), final), False
        if self._passthrough:
            return data[:used], used, True  # valid UTF-8 already: no re-encoding
        return text.encode("utf-8"), used, False

    def _transcode_replacing(self, data: bytes, final: bool) -> tuple[bytes, int]:
        text, used, bad = decode_replacing(data, self._decode, final)
        line, counted = self.lines + 1, 0
        for offset in bad:
            line += text.count("\n", counted, offset)
            # Lone \r end lines too (a U+FFFD stands at each offset: no \r\n spans one).
            line += text.count("\r", counted, offset) - text.count("\r\n", counted, offset)
            line -= counted == 0 and self._after_cr and text.startswith("\n")
            counted = offset
            if not self.bad_lines or self.bad_lines[-1] != line:
                self.bad_lines.append(line)
        return text.encode("utf-8"), used
