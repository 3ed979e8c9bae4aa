"""The bundle as one canonical ustar archive, so that every byte of it is accounted for.

Members are regular files in path order, mode 0600, owner 0, time 0, no user or group names;
the archive ends with the zero blocks `tarfile` writes. Reading rebuilds the archive from the
members it found and compares the bytes: a header, padding or trailer changed anywhere is
named by where it lies, and a member's content is left to the manifest's hashes.
"""

import io
import tarfile
from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass
class ReadArchive:
    """The members of a bundle's archive and what was wrong with its framing."""

    files: dict[str, bytes] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def write_archive(files: Mapping[str, bytes]) -> bytes:
    """The canonical archive of `files` (path -> content)."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.USTAR_FORMAT) as archive:
        for path in sorted(files):
            content = files[path]
            info = tarfile.TarInfo(path)
            info.size = len(content)
            info.mode = 0o600
            info.mtime = 0
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            archive.addfile(info, io.BytesIO(content))
    return buffer.getvalue()


def read_archive(data: bytes) -> ReadArchive:
    """The members of `data`, and every place where it differs from its canonical form."""
    found = ReadArchive()
    spans: list[tuple[int, int, str]] = []
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:") as archive:
            for member in archive:
                spans.append((member.offset, member.offset_data + member.size, member.name))
                if not member.isfile():
                    found.problems.append(f"archive: {member.name!r} is not a regular file")
                    continue
                if member.name in found.files:
                    found.problems.append(f"archive: {member.name!r} appears twice")
                extracted = archive.extractfile(member)
                found.files[member.name] = extracted.read() if extracted else b""
    except (tarfile.TarError, EOFError, UnicodeDecodeError) as error:
        found.problems.append(f"archive: not a readable tar archive ({error})")
        return found
    rebuilt = write_archive(found.files)
    if rebuilt != data:
        found.problems.append(f"archive: {_where(_first_difference(rebuilt, data), spans)}")
    return found


def _first_difference(a: bytes, b: bytes) -> int:
    for offset, (x, y) in enumerate(zip(a, b, strict=False)):
        if x != y:
            return offset
    return min(len(a), len(b))


def _where(offset: int, spans: list[tuple[int, int, str]]) -> str:
    """Which part of the archive byte `offset` belongs to, in words."""
    for start, end, name in spans:
        if start <= offset < start + tarfile.BLOCKSIZE:
            return f"the header of {name} differs from its canonical form (byte {offset})"
        if offset < end:
            return f"the content of {name} is framed differently (byte {offset})"
        if offset < end + (-end % tarfile.BLOCKSIZE):
            return f"the padding after {name} is not zero (byte {offset})"
    return f"the archive's end is not as written (byte {offset})"
