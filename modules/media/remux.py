"""Video metadata removal: an MP4/QuickTime file rewritten without its metadata, the media data untouched.

Phones and cameras write where and when a video was shot, and with what, into the container: `udta` boxes
(`©xyz` GPS position, `©day`, `©mak`, `©mod`, `loci`, `XMP_`…), `meta` boxes (Apple's
`com.apple.quicktime.location.ISO6709`, make, model, software), `uuid` boxes (XMP, vendor data), and timed
metadata *tracks* whose samples are GPS or motion logs (GoPro GPMF, Apple `mebx`, Google `camm`). Nothing is
re-encoded here (there is no codec in the stack); the container is rebuilt:

- top level: `ftyp`, the first `moov` and the media (`mdat`, and for fragmented files `moof`/`styp`) are kept,
  everything else (metadata, `free`/`skip`/`wide` padding, which editors fill with the metadata they removed,
  `sidx`/`mfra` indexes, unknown boxes) is dropped;
- inside `moov`: each container keeps only the children a player needs (`CHILDREN`); `udta`, `meta`, `uuid`
  and anything unknown are dropped at every level, and the creation and modification times of `mvhd`, `tkhd`
  and `mdhd` are zeroed;
- tracks: only video and audio tracks (`hdlr` `vide`, `soun`) are kept; the samples of the others are zeroed
  in place in `mdat`, so their bytes (a GPS log) do not stay in the file unreferenced, and track references to
  them are removed;
- what playback needs stays as it was: sample descriptions, timing, sync samples, edit lists, and the `tkhd`
  matrix (the orientation a phone records portrait video with);
- sizes are recomputed, and every chunk offset (`stco`, `co64`) is moved by as much as the media before it
  moved, whether `moov` comes before or after `mdat`; 64-bit box sizes and a last box of size 0 are kept.

Fragmented files (`moof` boxes) keep everything from the first `moof` on in place: offsets there are relative
to each fragment, so metadata boxes after it are blanked (turned into `free` boxes of zeros, the same size)
instead of removed, absolute `tfhd` base offsets are moved, and all tracks are kept (their fragments refer to
them by id).

`moov` is read into memory (it is the index, bounded by `MAX_MOOV_BYTES`); media data is copied in chunks.
"""

from __future__ import annotations

import struct
from array import array
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import accumulate
from typing import BinaryIO

from modules.media.videos import MAX_BOXES, Box, DamagedVideo, _Reader

MAX_MOOV_BYTES = 32 * 1024 * 1024
MAX_MOOF_BYTES = 4 * 1024 * 1024
MAX_SAMPLES = 5_000_000  # per dropped track: more entries than this is not a phone's video
_CHUNK = 1024 * 1024

KEEP_TOP_LEVEL = frozenset({b"ftyp", b"moov", b"mdat", b"moof", b"styp"})
# Children a player needs, per container; every other child is dropped (so are udta, meta, uuid, free…).
CHILDREN: dict[bytes, frozenset[bytes]] = {
    b"moov": frozenset({b"mvhd", b"trak", b"mvex", b"iods"}),
    b"trak": frozenset({b"tkhd", b"tref", b"edts", b"mdia", b"tapt"}),
    b"edts": frozenset({b"elst"}),
    b"tapt": frozenset({b"clef", b"prof", b"enof"}),
    b"mdia": frozenset({b"mdhd", b"hdlr", b"minf", b"elng"}),
    b"minf": frozenset({b"vmhd", b"smhd", b"hmhd", b"nmhd", b"gmhd", b"hdlr", b"dinf", b"stbl"}),
    b"dinf": frozenset({b"dref"}),
    b"stbl": frozenset(
        b"stsd stts ctts cslg stss stps stsc stsz stz2 stco co64 sdtp sbgp sgpd subs saiz saio stsh padb stdp".split()
    ),
    b"mvex": frozenset({b"mehd", b"trex", b"leva"}),
}
_LITTLE_ENDIAN = struct.pack("=H", 1) == struct.pack("<H", 1)
KEEP_HANDLERS = frozenset({b"vide", b"soun"})
TIMESTAMPED = frozenset({b"mvhd", b"tkhd", b"mdhd"})  # version, flags, creation time, modification time, …


@dataclass
class StripReport:
    """What was removed, for tests and the log (box types only, never their content)."""

    dropped_boxes: list[str] = field(default_factory=list)  # "moov/udta", "top/uuid", …
    dropped_tracks: list[str] = field(default_factory=list)  # handler types, e.g. "meta", "text"
    zeroed_bytes: int = 0
    size: int = 0


@dataclass(frozen=True)
class _Node:
    type: bytes
    payload: bytes
    start: int  # offset of its header in the parent's payload
    header: int  # 8, or 16 with a 64-bit size


def _header(kind: bytes, payload_size: int) -> bytes:
    if payload_size + 8 <= 0xFFFFFFFF:
        return struct.pack(">I4s", payload_size + 8, kind)
    return struct.pack(">I4sQ", 1, kind, payload_size + 16)


def _children(payload: bytes, counter: list[int]) -> Iterator[_Node]:
    """The boxes that tile `payload` (a size of 0 means "to the end of the parent")."""
    pos, end = 0, len(payload)
    while pos < end:
        counter[0] += 1
        if counter[0] > MAX_BOXES:
            raise DamagedVideo(f"more than {MAX_BOXES:,} boxes")
        if end - pos < 8:
            raise DamagedVideo("truncated box header inside moov")
        size, kind = struct.unpack_from(">I4s", payload, pos)
        header = 8
        if size == 1:
            if end - pos < 16:
                raise DamagedVideo("truncated 64-bit box header inside moov")
            (size,) = struct.unpack_from(">Q", payload, pos + 8)
            header = 16
        elif size == 0:
            size = end - pos
        if size < header or pos + size > end:
            raise DamagedVideo(f"box {kind.decode('latin-1')!r} inside moov declares {size} bytes")
        yield _Node(kind, payload[pos + header : pos + size], pos, header)
        pos += size


def _find(payload: bytes, path: tuple[bytes, ...], counter: list[int]) -> bytes | None:
    """The payload of the first box along `path` under `payload`."""
    for node in _children(payload, counter):
        if node.type == path[0]:
            return node.payload if len(path) == 1 else _find(node.payload, path[1:], counter)
    return None


# --- tracks ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Track:
    track_id: int
    handler: bytes
    sample_ranges: tuple[tuple[int, int], ...]  # (start, end) file offsets of its samples


def _track_id(tkhd: bytes | None) -> int:
    if not tkhd:
        return 0
    at = 20 if tkhd[0] == 1 else 12
    return struct.unpack_from(">I", tkhd, at)[0] if len(tkhd) >= at + 4 else 0


def _table(payload: bytes | None, entry: str, *, skip: int = 4, per_entry: int = 1) -> array:
    """The entries of a sample-table box: after version/flags (and `skip - 4` more bytes), a 32-bit count,
    then `count` entries of `per_entry` numbers of type `entry` ("I": 32 bits, "Q": 64 bits)."""
    values = array(entry)
    if payload is None:
        return values
    if len(payload) < skip + 4:
        raise DamagedVideo("a sample table is truncated")
    (count,) = struct.unpack_from(">I", payload, skip)
    if count > MAX_SAMPLES:
        raise DamagedVideo(f"a sample table declares {count:,} entries")
    length = count * per_entry * values.itemsize
    data = payload[skip + 4 : skip + 4 + length]
    if len(data) < length:
        raise DamagedVideo("a sample table declares more entries than it holds")
    values.frombytes(data)
    if _LITTLE_ENDIAN:
        values.byteswap()
    return values


def _sample_sizes(stbl: bytes, counter: list[int]) -> list[int]:
    stsz = _find(stbl, (b"stsz",), counter)
    if stsz is not None:
        if len(stsz) < 12:
            raise DamagedVideo("the stsz box is truncated")
        uniform, count = struct.unpack_from(">II", stsz, 4)
        if count > MAX_SAMPLES:
            raise DamagedVideo("too many samples")
        return [uniform] * count if uniform else list(_table(stsz, "I", skip=8))
    stz2 = _find(stbl, (b"stz2",), counter)
    if stz2 is None or len(stz2) < 12:
        return []
    bits, count = stz2[7], struct.unpack_from(">I", stz2, 8)[0]
    if count > MAX_SAMPLES or bits not in (4, 8, 16):
        raise DamagedVideo("the stz2 box is not understood")
    data = stz2[12:]
    if bits == 16:
        return list(struct.unpack_from(f">{count}H", data))
    if bits == 8:
        return list(data[:count])
    return [(data[i // 2] >> (4 if i % 2 == 0 else 0)) & 0xF for i in range(count)]


def _sample_ranges(stbl: bytes, counter: list[int]) -> tuple[tuple[int, int], ...]:
    """Where a track's samples lie in the file: one range per chunk (offset, offset + its samples' sizes)."""
    co64 = _find(stbl, (b"co64",), counter)
    offsets = _table(co64, "Q") if co64 is not None else _table(_find(stbl, (b"stco",), counter), "I")
    stsc = _table(_find(stbl, (b"stsc",), counter), "I", per_entry=3)
    sizes = _sample_sizes(stbl, counter)
    ends = [0, *accumulate(sizes)]
    runs = [(stsc[i], stsc[i + 1]) for i in range(0, len(stsc), 3)]  # (first chunk, samples per chunk)
    ranges, sample, run = [], 0, 0
    for chunk, offset in enumerate(offsets, start=1):
        while run + 1 < len(runs) and runs[run + 1][0] <= chunk:
            run += 1
        per_chunk = runs[run][1] if runs else 0
        last = min(sample + per_chunk, len(sizes))
        if last > sample:
            ranges.append((offset, offset + ends[last] - ends[sample]))
        sample = last
    return tuple(ranges)


def _handler(trak: bytes, counter: list[int]) -> bytes:
    """The track's handler type (`vide`, `soun`, `meta`, `text`, …; empty when it has none)."""
    hdlr = _find(trak, (b"mdia", b"hdlr"), counter)
    return hdlr[8:12] if hdlr and len(hdlr) >= 12 else b""


def _track(payload: bytes, counter: list[int]) -> _Track:
    handler = _handler(payload, counter)
    stbl = _find(payload, (b"mdia", b"minf", b"stbl"), counter)
    ranges = () if handler in KEEP_HANDLERS or stbl is None else _sample_ranges(stbl, counter)
    return _Track(_track_id(_find(payload, (b"tkhd",), counter)), handler, ranges)


# --- rebuilding moov ------------------------------------------------------------------------------------------


class _Layout:
    """Where each kept top-level box of the input lands in the output."""

    def __init__(self, moves: list[tuple[int, int, int]]):
        self.moves = moves  # (old start, old end, new start)

    def new_offset(self, offset: int) -> int:
        for old_start, old_end, new_start in self.moves:
            if old_start <= offset < old_end:
                return offset - old_start + new_start
        raise DamagedVideo(f"a chunk at offset {offset} lies outside the media data")


def _zero_times(payload: bytes) -> bytes:
    if not payload:
        return payload
    width = 8 if payload[0] == 1 else 4
    if len(payload) < 4 + 2 * width:
        return payload
    return payload[:4] + b"\0" * (2 * width) + payload[4 + 2 * width :]


def _moved_offsets(kind: bytes, payload: bytes, layout: _Layout) -> bytes:
    entry = "Q" if kind == b"co64" else "I"
    offsets = _table(payload, entry)
    moved = struct.pack(f">{len(offsets)}{entry}", *(layout.new_offset(o) for o in offsets))
    return payload[:8] + moved + payload[8 + len(moved) :]


def _filtered_tref(payload: bytes, dropped: frozenset[int], counter: list[int]) -> bytes:
    """Track references without the dropped tracks (a reference type left empty goes too)."""
    out = []
    for node in _children(payload, counter):
        ids = struct.unpack(f">{len(node.payload) // 4}I", node.payload[: len(node.payload) // 4 * 4])
        kept = [i for i in ids if i not in dropped]
        if kept:
            body = struct.pack(f">{len(kept)}I", *kept)
            out.append(_header(node.type, len(body)) + body)
    return b"".join(out)


class _MoovRewriter:
    def __init__(self, *, drop_tracks: bool, dropped_ids: frozenset[int], layout: _Layout, report: StripReport):
        self.drop_tracks = drop_tracks
        self.dropped_ids = dropped_ids
        self.layout = layout
        self.report = report
        self.counter = [0]

    def box(self, kind: bytes, payload: bytes, path: str = "") -> bytes | None:
        """The rewritten box, or None when it goes."""
        where = f"{path}/{kind.decode('latin-1')}"
        if kind in CHILDREN:
            parts = []
            for child in _children(payload, self.counter):
                if child.type not in CHILDREN[kind]:
                    self.report.dropped_boxes.append(f"{where}/{child.type.decode('latin-1')}")
                    continue
                if child.type == b"trak" and self.drop_tracks:
                    handler = _handler(child.payload, self.counter)
                    if handler not in KEEP_HANDLERS:
                        self.report.dropped_tracks.append(handler.decode("latin-1") or "?")
                        continue
                rewritten = self.box(child.type, child.payload, where)
                if rewritten is not None:
                    parts.append(rewritten)
            body = b"".join(parts)
        elif kind in TIMESTAMPED:
            body = _zero_times(payload)
        elif kind in {b"stco", b"co64"}:
            body = _moved_offsets(kind, payload, self.layout)
        elif kind == b"tref":
            body = _filtered_tref(payload, self.dropped_ids, self.counter)
            if not body:
                return None
        else:
            body = payload
        return _header(kind, len(body)) + body


# --- the file -------------------------------------------------------------------------------------------------


def _blank(box: Box) -> bytes:
    """A `free` box of zeros exactly the size of `box` (its header kept in the same form)."""
    if box.header_size == 16:
        return struct.pack(">I4sQ", 1, b"free", box.size) + b"\0" * (box.size - 16)
    return struct.pack(">I4s", box.size, b"free") + b"\0" * (box.size - 8)


def _moved_moof(payload: bytes, delta: int, counter: list[int]) -> bytes:
    """A `moof` payload whose absolute `tfhd` base data offsets (flag 0x000001) are moved by `delta`."""
    out = bytearray(payload)
    for traf in _children(payload, counter):
        if traf.type != b"traf":
            continue
        for child in _children(traf.payload, counter):
            if child.type == b"tfhd" and len(child.payload) >= 16 and child.payload[3] & 0x01:
                at = traf.start + traf.header + child.start + child.header + 8  # after version/flags, track id
                (base,) = struct.unpack_from(">Q", out, at)
                struct.pack_into(">Q", out, at, base + delta)
    return bytes(out)


def _copy(src: BinaryIO, dst: BinaryIO, start: int, end: int, zero: list[tuple[int, int]], report: StripReport) -> None:
    """Copy [start, end) of `src` to `dst` in chunks, writing zeros over the ranges in `zero` (sorted)."""
    src.seek(start)
    pos = start
    while pos < end:
        chunk = bytearray(src.read(min(_CHUNK, end - pos)))
        if not chunk:
            raise DamagedVideo("the file ended while its media data was copied")
        chunk_end = pos + len(chunk)
        for zero_start, zero_end in zero:
            if zero_end <= pos or zero_start >= chunk_end:
                continue
            a, b = max(zero_start, pos) - pos, min(zero_end, chunk_end) - pos
            chunk[a:b] = bytes(b - a)
            report.zeroed_bytes += b - a
        dst.write(chunk)
        pos = chunk_end


def video_strip_metadata(src: BinaryIO, size: int, dst: BinaryIO) -> StripReport:
    """Write `src` (`size` bytes, already accepted by `video_inspect`) to `dst` without its metadata.

    Raises DamagedVideo when the structure cannot be rewritten safely (a chunk outside the media data, a
    sample table that does not add up, no audio or video track left, an index larger than allowed).
    """
    reader = _Reader(src, size)
    top = list(reader.boxes(0, size))
    report = StripReport()
    moov = next((b for b in top if b.type == b"moov"), None)
    if moov is None:
        raise DamagedVideo("no moov box")
    if moov.size > MAX_MOOV_BYTES:
        raise DamagedVideo(f"the moov box has {moov.size:,} bytes, more than {MAX_MOOV_BYTES:,}")
    moov_payload = reader.read_at(moov.payload_start, moov.size - moov.header_size)
    first_moof = next((i for i, b in enumerate(top) if b.type == b"moof"), None)
    fragmented = first_moof is not None
    if fragmented and moov.start > top[first_moof].start:
        raise DamagedVideo("the moov box comes after the first movie fragment")

    # The tracks: which go, and where their samples lie.
    counter = [0]
    tracks = [_track(node.payload, counter) for node in _children(moov_payload, counter) if node.type == b"trak"]
    if not fragmented:
        kept = [t for t in tracks if t.handler in KEEP_HANDLERS]
        if tracks and not kept:
            raise DamagedVideo("no audio or video track")
        dropped = [t for t in tracks if t.handler not in KEEP_HANDLERS]
    else:
        dropped = []
    dropped_ids = frozenset(t.track_id for t in dropped)
    zero = sorted(r for t in dropped for r in t.sample_ranges)

    # What stays at the top level, in order: (box, how it is written).
    plan: list[tuple[Box, str]] = []
    for index, box in enumerate(top):
        if fragmented and index >= first_moof:
            plan.append((box, "copy" if box.type in KEEP_TOP_LEVEL else "blank"))
        elif box is moov:
            plan.append((box, "moov"))
        elif box.type in KEEP_TOP_LEVEL and box.type != b"moov":
            plan.append((box, "copy"))
        else:
            report.dropped_boxes.append(f"/{box.name}")

    def layout_for(moov_size: int) -> _Layout:
        moves, position = [], 0
        for box, how in plan:
            written = moov_size if how == "moov" else box.size
            if how != "moov":
                moves.append((box.start, box.end, position))
            position += written
        return _Layout(moves)

    # Offsets only decrease (boxes are only removed), so the rewritten moov's size does not depend on them:
    # build it once to learn its size, then again with the real layout.
    def rewritten(layout: _Layout, into: StripReport) -> bytes:
        rewriter = _MoovRewriter(drop_tracks=not fragmented, dropped_ids=dropped_ids, layout=layout, report=into)
        return rewriter.box(b"moov", moov_payload)

    sizing = rewritten(_Layout([(0, size, 0)]), StripReport())
    layout = layout_for(len(sizing))
    new_moov = rewritten(layout, report)
    assert len(new_moov) == len(sizing)

    delta = 0
    if fragmented:
        first = top[first_moof]
        delta = next(new for old, _, new in layout.moves if old == first.start) - first.start
    for box, how in plan:
        if how == "moov":
            dst.write(new_moov)
        elif how == "blank":
            report.dropped_boxes.append(f"/{box.name} (blanked)")
            dst.write(_blank(box))
        elif box.type == b"moof" and delta:
            if box.size > MAX_MOOF_BYTES:
                raise DamagedVideo(f"a moof box has {box.size:,} bytes")
            head = reader.read_at(box.start, box.header_size)
            dst.write(head + _moved_moof(reader.read_at(box.payload_start, box.size - box.header_size), delta, [0]))
        else:
            _copy(src, dst, box.start, box.end, zero, report)
    report.size = sum(len(new_moov) if how == "moov" else box.size for box, how in plan)
    return report
