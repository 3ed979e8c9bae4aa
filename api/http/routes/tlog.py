"""The tree as a C2SP tiled transparency log (c2sp.org/tlog-tiles), read-only.

The prefix is /v1/tlog: `/checkpoint` (the latest signed note), `/tile/<L>/<N>[.p/<W>]` (hash
tiles) and `/tile/entries/<N>[.p/<W>]` (each leaf's chain hash), so that a client that knows
tlog-tiles fetches proofs without our JSON API. Authenticated, authorised by the policy table
and written to the operation log like every other /v1 read.
"""

import re
from typing import Any

from flask import Response, current_app

from api.http.blueprint import Blueprint
from api.http.problem_docs import problems
from ledger.errors import NotFoundError
from ledger.integrity.checkpoints import note_text
from ledger.integrity.service import Integrity
from ledger.integrity.tiles import Tiles, parse_tile_name

blp = Blueprint("tlog", __name__, url_prefix="/v1/tlog", description="The tree as C2SP tlog-tiles")
_LEVEL = re.compile(r"0|[1-9]\d?")
OCTETS = "application/octet-stream"
# Tiles never change once the tree has them; the checkpoint moves on.
IMMUTABLE = "private, max-age=31536000, immutable"


def integrity() -> Integrity:
    service: Integrity = current_app.extensions["integrity"]
    return service


@blp.route("/checkpoint", methods=["GET"])
@blp.response(200, content_type="text/plain; charset=utf-8")
@problems(blp, 403, 404)
def checkpoint() -> Any:
    """The latest checkpoint as a C2SP signed note (with witnesses' cosignatures)"""
    latest = integrity().get_checkpoint()
    if latest.origin is None:
        raise NotFoundError("no checkpoint in the C2SP format yet: sign one")
    response = Response(note_text(latest), content_type="text/plain; charset=utf-8")
    response.headers["Cache-Control"] = "private, max-age=5"
    return response


@blp.route("/tile/<string(maxlength=2):level>/<tile:index>", methods=["GET"])
@blp.response(200, content_type=OCTETS)
@problems(blp, 403, 404)
def tile(level: str, index: str) -> Any:
    """A tile of tree hashes: level L, index N written like x001/x234/067, .p/W if partial"""
    if not _LEVEL.fullmatch(level):
        raise NotFoundError(f"not a tile level: {level!r} (0 to 63, no leading zeros)")
    data = Tiles(integrity().tables).tile(int(level), parse_tile_name(index))
    return Response(data, content_type=OCTETS, headers={"Cache-Control": IMMUTABLE})


@blp.route("/tile/entries/<tile:index>", methods=["GET"])
@blp.response(200, content_type=OCTETS)
@problems(blp, 403, 404)
def entries(index: str) -> Any:
    """An entry bundle: each leaf's chain hash (2-byte length, 32 bytes), no event contents"""
    data = Tiles(integrity().tables).entries(parse_tile_name(index))
    return Response(data, content_type=OCTETS, headers={"Cache-Control": IMMUTABLE})
