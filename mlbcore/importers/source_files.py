"""An import's files as they come from a download: complete lines of text, or one line
saying what is wrong with the file.

A file may be missing, a folder, empty, binary, in another encoding, gzip'd or zipped,
or cut off half-way. A cut-off file (no line end after its last line, a gzip stream or
zip archive that stops early) is refused as truncated, exit 1, unless the caller allows
a partial import: then its complete lines are read and the cut-off last line is named
and skipped, like any other malformed line.
"""

import struct
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from mlbcore.errors import MlbError, TruncatedInput
from mlbcore.importers.report import Problem

GZIP_MAGIC = b"\x1f\x8b"
ZIP_MAGIC = b"PK\x03\x04"
# No line of any source is near this long (a game log line is about 1,000 characters);
# a longer one is damage, and is not handed to the CSV parser.
MAX_LINE_CHARS = 100_000
CUT_OFF = "cut off (the file is truncated)"


@dataclass(frozen=True)
class SourceText:
    """A file's complete lines (line ends removed; ``lines[0]`` is line 1)."""

    name: str  # as reports name it: the path, or ``archive!member``
    lines: list[str]
    cut_off: Problem | None = None  # the last line, cut off and skipped (partial import)


def file_bytes(path: Path, what: str) -> bytes:
    """The bytes of ``path``, refusing a missing path or a folder in one line."""
    path = Path(path)
    if path.is_dir():
        raise MlbError(f"{path} is a folder; give {what} files, not the folder")
    if not path.exists():
        raise MlbError(f"{path} does not exist; give {what}")
    try:
        return path.read_bytes()
    except OSError as error:
        raise MlbError(f"cannot read {path} ({error.strerror}); give {what}") from None


def _truncated(name: str, how: str) -> TruncatedInput:
    return TruncatedInput(
        f"{name} is truncated ({how}); download it again, or pass --allow-partial to import "
        "its complete lines"
    )


def gunzip(name: str, data: bytes, allow_partial: bool) -> tuple[bytes, bool]:
    """The content of a gzip file, and whether its stream stopped early (allowed only
    with ``allow_partial``). Concatenated members are read one after another."""
    out = bytearray()
    rest = data
    while rest:
        stream = zlib.decompressobj(wbits=31)
        try:
            out += stream.decompress(rest)
            out += stream.flush()
        except zlib.error as error:
            raise MlbError(f"{name} is not a readable gzip file ({error})") from None
        if not stream.eof:
            if not allow_partial:
                raise _truncated(name, "its gzip stream ends early")
            return bytes(out), True
        rest = stream.unused_data
    return bytes(out), False


def text_lines(
    name: str, data: bytes, encoding: str, what: str, allow_partial: bool, cut: bool = False
) -> SourceText:
    """The complete lines of a text file's bytes. Refuses an empty, blank, binary or
    undecodable file; a last line without its line end (or ``cut``: the container ended
    early) is a truncated file."""
    if not data:
        raise MlbError(f"{name} is empty; give {what}")
    if b"\x00" in data:
        raise MlbError(f"{name} is binary, not a text file; give {what}")
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as error:
        byte = error.object[error.start]
        raise MlbError(
            f"{name} is not {encoding.upper().removesuffix('-SIG')} text (byte 0x{byte:02x} "
            f"at offset {error.start}); give {what}"
        ) from None
    if not text.strip():
        raise MlbError(f"{name} holds only blank lines; give {what}")
    # split, not splitlines: Latin-1 text may hold \x85, which splitlines takes for a line end
    lines = [line.removesuffix("\r") for line in text.split("\n")]
    ends_whole = text.endswith("\n")
    if ends_whole:
        lines.pop()  # the empty string after the last line end
    if ends_whole and not cut:
        return SourceText(name, lines)
    if not allow_partial:
        how = f"line {len(lines)} is cut off" if not ends_whole else "it ends early"
        raise _truncated(name, how)
    if ends_whole:  # the container ended early, right after a line end
        return SourceText(name, lines)
    return SourceText(name, lines[:-1], Problem(name, len(lines), CUT_OFF))


def read_text_file(path: Path, what: str, allow_partial: bool, encoding: str) -> SourceText:
    """A text file, or a gzip'd one (by its first bytes, whatever its name)."""
    data = file_bytes(path, what)
    cut = False
    if data.startswith(GZIP_MAGIC):
        data, cut = gunzip(str(path), data, allow_partial)
        if not data:
            raise MlbError(f"{path} is empty (an empty gzip file); give {what}")
    return text_lines(str(path), data, encoding, what, allow_partial, cut)


def zip_members(
    path: Path, data: bytes, suffix: str, what: str, allow_partial: bool
) -> list[tuple[str, bytes, bool]]:
    """(name, bytes, cut off) of each member of a zip archive whose name ends with
    ``suffix`` (case-insensitive). An archive without its directory at the end was cut off:
    refused as truncated, or with ``allow_partial`` read from its members' own headers as
    far as it goes."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = sorted(n for n in archive.namelist() if n.upper().endswith(suffix))
            return [(f"{path}!{n}", archive.read(n), False) for n in names]
    except zipfile.BadZipFile as error:
        if data.startswith(ZIP_MAGIC) and "File is not a zip file" in str(error):
            if not allow_partial:
                raise _truncated(str(path), "the zip archive ends early") from None
            return _partial_members(path, data, suffix)
        raise MlbError(f"{path} is a damaged zip archive ({error}); give {what}") from None
    except (zlib.error, EOFError, NotImplementedError, RuntimeError) as error:
        raise MlbError(f"{path} is a damaged zip archive ({error}); give {what}") from None


# A zip member's local header: signature, version, flags, method, time, date, CRC,
# compressed size, size, name length, extra length (little-endian, 30 bytes).
_LOCAL_HEADER = struct.Struct("<4sHHHHHIIIHH")
_STORED, _DEFLATED = 0, 8


def _partial_members(path: Path, data: bytes, suffix: str) -> list[tuple[str, bytes, bool]]:
    """The members of a cut-off zip archive read from their local headers, up to and
    including the one the cut falls in (its content as far as it goes)."""
    members = []
    offset = 0
    while data.startswith(ZIP_MAGIC, offset) and offset + _LOCAL_HEADER.size <= len(data):
        _, _, flags, method, *_, size, _, name_length, extra_length = _LOCAL_HEADER.unpack_from(
            data, offset
        )
        start = offset + _LOCAL_HEADER.size + name_length + extra_length
        name = data[offset + _LOCAL_HEADER.size : offset + _LOCAL_HEADER.size + name_length]
        sized = not flags & 0x08  # else the size follows the data, which may be cut off
        body = data[start : start + size] if sized else data[start:]
        if method == _DEFLATED:
            stream = zlib.decompressobj(-15)
            try:
                content = stream.decompress(body) + stream.flush()
            except zlib.error as error:
                raise MlbError(f"{path} is a damaged zip archive ({error})") from None
            whole = stream.eof
        elif method == _STORED:
            content, whole = body, sized and len(body) == size
        else:
            raise MlbError(f"{path}: a cut-off archive compressed with method {method}")
        member = name.decode("cp437")
        if member.upper().endswith(suffix):
            members.append((f"{path}!{member}", content, not whole))
        if not whole or not sized:
            break
        offset = start + size
    return members
