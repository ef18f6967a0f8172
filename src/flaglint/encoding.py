"""Text from the analysed tree as bytes, whatever it holds.

File names that are not UTF-8 arrive as lone surrogates (``surrogateescape``)
and string literals may hold any code point; hashing or matching them must
not raise, so every such ``encode`` goes through :func:`utf8`.
"""

from __future__ import annotations


def utf8(text: str) -> bytes:
    """``text`` in UTF-8, lone surrogates encoded as they are instead of raising."""
    return text.encode("utf-8", "surrogatepass")
