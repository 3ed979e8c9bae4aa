"""What the configuration files share: reading TOML, marshmallow tables, durations, one-line errors.

Each file (the service policy, the retention rules) is a marshmallow schema made of `Table`s:
unknown keys are refused, and the first error is told as the setting's path in the file and a
message (`complaints.deadlines.urgent.resolution: expected a duration like ...`).
"""

import tomllib
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any, ClassVar

from marshmallow import RAISE, Schema, ValidationError, fields, validate

from ledger.policy.durations import DurationError, Durations

NAME = validate.Regexp(
    r"^[a-z][a-z0-9_]{0,39}$", error="names are lower-case letters, digits and underscores"
)
_NAMES = "expected a non-empty list of names"
# Levels of marshmallow's error dict that are not settings: a table's own errors, a `Dict`'s
# key or value, a list's index (no setting in either file is called `key` or `value`).
_NOT_SETTINGS = {"_schema", "key", "value"}


class Table(Schema):
    """A table of a configuration file: only the settings it declares."""

    class Meta:
        unknown = RAISE

    # marshmallow declares it an instance attribute and merges it over the classes.
    error_messages: dict[str, str] = {"unknown": "unknown setting", "type": "expected a table"}  # noqa: RUF012


class Duration(fields.Field[timedelta]):
    """A duration of the one grammar (ledger/policy/durations.py) in the units a setting takes."""

    def __init__(self, durations: Durations, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.durations = durations

    def _deserialize(
        self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any
    ) -> timedelta:
        try:
            return self.durations.parse(value, where="")
        except DurationError as error:
            # `first_error` puts the setting's path in front; drop the empty one given here.
            raise ValidationError(str(error).removeprefix(": ")) from None


class Flag(fields.Boolean):
    """`true` or `false`, and nothing that merely looks like one (`"yes"`, `1`)."""

    def _deserialize(
        self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any
    ) -> bool:
        if not isinstance(value, bool):
            raise ValidationError("expected true or false")
        return value


def names() -> fields.List[str]:
    """A non-empty list of lower-case names (categories, departments, roles)."""
    name = fields.String(validate=NAME, error_messages={"invalid": _NAMES})
    length = validate.Length(min=1, error=_NAMES)
    return fields.List(name, validate=length, post_load=tuple, error_messages={"invalid": _NAMES})


def first_error(messages: Any, path: str = "") -> str:
    """marshmallow's nested error dict as one line: `path.of.the.setting: message`."""
    if isinstance(messages, Mapping) and messages:
        key, inner = next(iter(messages.items()))
        if not isinstance(key, int) and key not in _NOT_SETTINGS:
            path = f"{path}.{key}" if path else str(key)
        return first_error(inner, path)
    text = str(messages[0]) if isinstance(messages, list) and messages else str(messages)
    return f"{path}: {text}" if path else text


class ConfigFile(Table):
    """A whole file: its tables are sections, and `post_load` builds what the file configures."""

    error_messages: dict[str, str] = {"unknown": "unknown section"}  # noqa: RUF012
    what: ClassVar[str]  # how a refusal names the file: "policy file not found: ..."
    refusal: ClassVar[type[Exception]]

    @classmethod
    def read(cls, source: Path | Mapping[str, Any]) -> Any:
        """The file at `source` (or its parsed TOML) loaded; the first invalid setting refused."""
        try:
            data = (
                source if isinstance(source, Mapping) else tomllib.loads(source.read_text("utf-8"))
            )
            return cls().load(data)
        except FileNotFoundError:
            raise cls.refusal(f"{cls.what} file not found: {source}") from None
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
            raise cls.refusal(f"{cls.what} file {source} is not valid TOML: {error}") from None
        except ValidationError as invalid:
            raise cls.refusal(first_error(invalid.messages)) from None
