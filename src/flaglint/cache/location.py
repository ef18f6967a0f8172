"""Where flaglint keeps its caches, and the key that vouches for every cache file.

Cache files are pickles, and unpickling runs whatever code the file names. So
no byte that an analysed repository can supply (a force-added
``.flaglint_cache/``, a tarball that ships one, a ``cache-dir`` pointing at a
tracked folder) may ever reach ``pickle.loads``. Two defences, each enough on
its own:

1. **Location.** Caches live outside the analysed tree by default, in the
   user's cache folder (``$FLAGLINT_CACHE_DIR``, else ``$XDG_CACHE_HOME/flaglint``
   or the platform's equivalent), one sub-folder per root, named after the
   hash of the root's resolved path. A ``cache-dir`` from the project's
   configuration is honoured only as a folder strictly inside the root,
   reached without leaving it through a link, none of whose files git
   tracks; ``--cache-dir`` on the command line is the user's own choice.
2. **Authentication.** Every cache file, and every entry of the facts pack,
   carries a keyed BLAKE2b tag made with a 32-byte secret that lives in the
   user's cache folder (created with mode 0600, refused when others can
   write it) and never in an analysed tree. Bytes whose tag does not verify
   are a cache miss and are never unpickled: a cache folder written whole by
   someone else reads as empty.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import stat
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from flaglint.history.repository import GIT

if TYPE_CHECKING:
    from flaglint.config import Config

KEY_FILE = "secret.key"
KEY_SIZE = 32
TAG_SIZE = 32
ENV_HOME = "FLAGLINT_CACHE_DIR"


def user_cache_home() -> Path:
    """The per-user folder that holds the key and every root's cache folder.

    ``$FLAGLINT_CACHE_DIR`` is taken only as an absolute path (after ``~``):
    a relative one would name a folder of whichever tree flaglint runs in.
    """
    # Asked once per cache entry read (its tag's key): remembered for the
    # environment it was worked out from.
    env = tuple(os.environ.get(name) for name in _HOME_ENV)
    home = _homes.get(env)
    if home is None:
        home = _homes[env] = _user_cache_home()
    return home


_HOME_ENV = (ENV_HOME, "XDG_CACHE_HOME", "HOME", "LOCALAPPDATA", "USERPROFILE")
_homes: dict[tuple[str | None, ...], Path] = {}


def _user_cache_home() -> Path:
    explicit = os.environ.get(ENV_HOME, "")
    if explicit and Path(explicit).expanduser().is_absolute():
        return Path(explicit).expanduser()
    if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
        base = os.environ.get("LOCALAPPDATA") or str(Path.home() / "AppData" / "Local")
        return Path(base) / "flaglint" / "Cache"
    if sys.platform == "darwin":  # pragma: no cover - exercised on macOS only
        return Path.home() / "Library" / "Caches" / "flaglint"
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    base = Path(xdg) if xdg and Path(xdg).is_absolute() else Path.home() / ".cache"
    return base / "flaglint"


def default_directory(root: Path) -> Path:
    """The cache folder of ``root`` under :func:`user_cache_home`."""
    resolved = str(root.resolve())
    digest = hashlib.sha256(resolved.encode("utf-8", "surrogateescape")).hexdigest()[:16]
    name = re.sub(r"[^A-Za-z0-9_.-]", "_", root.resolve().name)[:40] or "root"
    return user_cache_home() / "repos" / f"{name}-{digest}"


@dataclass(frozen=True)
class CacheLocation:
    """Where this run caches (``None``: nowhere), and why not where asked."""

    directory: Path | None
    warning: str = ""


_located: dict[tuple[str, ...], CacheLocation] = {}


def locate(config: Config) -> CacheLocation:
    """The cache folder for ``config``: the command line's, the project's, or the user's."""
    place = (
        str(config.root),
        config.cache_dir,
        config.cache_override,
        os.environ.get(ENV_HOME, ""),
        os.environ.get("XDG_CACHE_HOME", ""),
    )
    found = _located.get(place)
    if found is None:
        found = _located[place] = _locate(config)
    return found


def _locate(config: Config) -> CacheLocation:
    root = config.root.resolve()
    explicit = os.environ.get(ENV_HOME, "")
    if explicit and not Path(explicit).expanduser().is_absolute():
        return CacheLocation(
            None, f"{ENV_HOME}={explicit!r} is not an absolute path; caching is off"
        )
    home = _resolved(user_cache_home())
    if home == root or root in home.parents:
        # The key would be read from the analysed tree, which may supply one.
        return CacheLocation(
            None,
            f"the user cache folder {home} lies inside the analysed tree, which may supply "
            f"its key; caching is off (point {ENV_HOME} outside it)",
        )
    if config.cache_override:
        return CacheLocation(Path(config.cache_override).expanduser().absolute())
    if not config.cache_dir:
        return CacheLocation(default_directory(config.root))
    target = (root / config.cache_dir).resolve()
    if target == root or root not in target.parents or ".git" in target.relative_to(root).parts:
        return CacheLocation(
            None,
            f"cache-dir '{config.cache_dir}' leads out of the root or into .git; caching is off",
        )
    if _tracked(root, target):
        return CacheLocation(
            None,
            f"cache-dir '{config.cache_dir}' holds files git tracks; flaglint never reads a "
            "cache the repository supplies, so caching is off",
        )
    return CacheLocation(target)


def _relative(root: Path, folder: Path) -> str:
    return folder.relative_to(root).as_posix()


def _resolved(path: Path) -> Path:
    try:
        return path.resolve()
    except OSError:
        return path.absolute()


def _tracked(root: Path, folder: Path) -> bool:
    """Whether git tracks any file under ``folder``; True when git cannot tell.

    Outside a repository nothing is tracked. Inside one, a git that fails
    (another user's repository, say) leaves the question open, and an open
    question about a cache the tree may supply is answered no.
    """
    try:
        listed = subprocess.run(
            [
                *GIT,
                "--literal-pathspecs",
                "ls-files",
                "-z",
                "--",
                folder.relative_to(root).as_posix(),
            ],
            cwd=root,
            capture_output=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return True
    if listed.returncode != 0:
        return b"not a git repository" not in listed.stderr
    return bool(listed.stdout)


# ------------------------------------------------------------------ the key
_keys: dict[str, bytes | None] = {}


def secret_key() -> bytes | None:
    """The user's cache key, created on first use; None when it cannot be had safely."""
    home = user_cache_home()
    where = str(home)
    if where not in _keys:
        _keys[where] = _load_or_create_key(home / KEY_FILE)
    return _keys[where]


def _load_or_create_key(path: Path) -> bytes | None:
    home = path.parent
    try:
        home.mkdir(parents=True, exist_ok=True, mode=0o700)
        info = os.lstat(home)
    except OSError:
        return None
    if not stat.S_ISDIR(info.st_mode) or (
        os.name == "posix" and (info.st_uid != os.geteuid() or info.st_mode & 0o022)
    ):
        return None  # a link, another user's folder, or one others may write into
    ignore = home / ".gitignore"
    if not ignore.exists():
        try:
            ignore.write_text("# created by flaglint: never commit this folder\n*\n")
        except OSError:
            pass
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _read_key(path)
    except OSError:
        return None
    key = os.urandom(KEY_SIZE)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(key)
    except OSError:
        return None
    return key


def _read_key(path: Path) -> bytes | None:
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return None
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            return None
        if os.name == "posix" and (info.st_uid != os.geteuid() or info.st_mode & 0o077):
            return None  # someone else could have chosen it, or can read it
        key = handle.read(KEY_SIZE + 1)
    return key if len(key) == KEY_SIZE else None


def tag(payload: bytes | memoryview, context: bytes) -> bytes | None:
    """The keyed tag of ``payload`` for ``context`` (at most 16 bytes); None without a key."""
    tagger = tagging(context)
    if tagger is None:
        return None
    tagger.update(payload)
    return tagger.digest()


def tagging(context: bytes) -> hashlib.blake2b | None:
    """A keyed hash for ``context`` to feed a payload in pieces (its ``digest()`` is
    :func:`tag` of their concatenation); None without a key."""
    key = secret_key()
    if key is None:
        return None
    return hashlib.blake2b(digest_size=TAG_SIZE, key=key, person=context)


def verified(payload: bytes | memoryview, expected: bytes, context: bytes) -> bool:
    """Whether ``expected`` is ``payload``'s tag: the only gate in front of ``pickle.loads``."""
    actual = tag(payload, context)
    if actual is None or len(expected) != TAG_SIZE:
        return False
    return hmac.compare_digest(actual, expected)
