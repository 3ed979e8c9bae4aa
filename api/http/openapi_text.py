"""Text in request bodies is refused with a NUL character: say so in the document.

PostgreSQL's text cannot hold U+0000, so every JSON body is refused (422) if any string in it
has one (`api.http.body_limits`). So that the inputs the document allows are the ones the
service takes, each string of a request body's schema that no pattern, format or enum bounds
already gets the pattern `^[^\\x00]*$`.
"""

from typing import Any

NO_NUL = "^[^\\x00]*$"
_REF = "#/components/schemas/"


def _request_schemas(paths: dict[str, Any]) -> set[str]:
    """The component names the request bodies of `paths` refer to directly."""
    names = set()
    for item in paths.values():
        for operation in item.values():
            if not isinstance(operation, dict):
                continue
            for media in operation.get("requestBody", {}).get("content", {}).values():
                ref = media.get("schema", {}).get("$ref", "")
                if ref.startswith(_REF):
                    names.add(ref.removeprefix(_REF))
    return names


def _bound(node: Any, schemas: dict[str, Any], seen: set[str]) -> None:
    """Add the pattern to every unbounded string under `node`, following references once."""
    if isinstance(node, list):
        for item in node:
            _bound(item, schemas, seen)
        return
    if not isinstance(node, dict):
        return
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith(_REF):
        name = ref.removeprefix(_REF)
        if name not in seen and name in schemas:
            seen.add(name)
            _bound(schemas[name], schemas, seen)
        return
    if node.get("type") == "string" and not {"pattern", "format", "enum"} & set(node):
        node["pattern"] = NO_NUL
    for key in ("properties", "additionalProperties", "items", "allOf", "anyOf", "oneOf"):
        value = node.get(key)
        if isinstance(value, dict) and key == "properties":
            _bound(list(value.values()), schemas, seen)
        elif value is not None:
            _bound(value, schemas, seen)


def declare_no_nul(paths: dict[str, Any], schemas: dict[str, Any]) -> None:
    """Bound the strings of every request body's schema in the document (see the module doc)."""
    seen: set[str] = set()
    for name in sorted(_request_schemas(paths)):
        seen.add(name)
        _bound(schemas[name], schemas, seen)
