"""Text from a request, made safe to write to a log: it cannot start a line or colour a terminal."""

import unicodedata

# Control (CR, LF, ESC, NUL), format (bidi overrides), line/paragraph separators and lone
# surrogates, which PostgreSQL and UTF-8 cannot hold.
_UNPRINTABLE = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})


def _escape(char: str) -> str:
    if char == "\\":
        return "\\\\"
    if unicodedata.category(char) not in _UNPRINTABLE:
        return char
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def escaped(text: str) -> str:
    """`text` with backslashes doubled and every unprintable character written as an escape."""
    if text.isprintable() and "\\" not in text:
        return text
    return "".join(_escape(char) for char in text)
