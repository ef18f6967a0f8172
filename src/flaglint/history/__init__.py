"""Everything that talks to git: the repository, objects at a revision, blame, key history.

Errors are :class:`HistoryError` with a sentence saying what to do.
"""

from flaglint.history.blames import (
    BlameCache,
    BlameLine,
    blame,
    blame_line_commits,
    reformat_only,
)
from flaglint.history.objects import (
    Blob,
    list_index_blobs,
    list_python_blobs,
    read_blobs,
    read_files,
)
from flaglint.history.repository import (
    UNCOMMITTED,
    CommitInfo,
    HistoryError,
    commit_info,
    dirty_paths,
    git,
    has_commits,
    head_state,
    is_work_tree,
    parse_commit_line,
    repo_path,
    shallow,
    toplevel,
    verify_revision,
)
from flaglint.history.search import (
    MAX_PATTERN_CHARS,
    KeyChange,
    KeyMentions,
    key_history,
    key_mentions,
)

__all__ = [
    "BlameCache",
    "BlameLine",
    "Blob",
    "CommitInfo",
    "HistoryError",
    "KeyChange",
    "KeyMentions",
    "MAX_PATTERN_CHARS",
    "UNCOMMITTED",
    "blame",
    "blame_line_commits",
    "commit_info",
    "dirty_paths",
    "git",
    "has_commits",
    "head_state",
    "is_work_tree",
    "key_history",
    "key_mentions",
    "list_index_blobs",
    "list_python_blobs",
    "parse_commit_line",
    "read_blobs",
    "read_files",
    "reformat_only",
    "repo_path",
    "shallow",
    "toplevel",
    "verify_revision",
]
