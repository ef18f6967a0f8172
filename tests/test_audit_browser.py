"""The audit page in a real browser: headless Chromium, when it is installed (skipped otherwise).

Run it alone, keeping the screenshots to look at:

    FLAGLINT_AUDIT_SHOTS=/tmp/audit-shots python -m pytest tests/test_audit_browser.py

Without ``FLAGLINT_AUDIT_SHOTS`` the screenshots go to the test's temporary
folder. On Debian and Ubuntu, ``apt-get install chromium`` provides the browser.
The test fails on any console message (the page logs nothing, so a message is
an error), when a picture is missing or has no size, and when the findings
table's Message column does not fit a 1400 px wide window.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from histories import replay

CASES = Path(__file__).parent / "fixtures" / "audit_histories"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="headless Chromium is not installed")

# Appended to a copy of the page: measures the layout and writes it into the DOM.
PROBE = """<script>
(function () {
  var box = function (el) {
    var r = el.getBoundingClientRect();
    return [r.left, r.right, r.width, r.height];
  };
  var heads = document.querySelectorAll('#findings-table thead th');
  var pictures = document.querySelectorAll('svg.reach, svg.timeline');
  var out = {
    width: window.innerWidth,
    message: heads.length ? box(heads[heads.length - 1]) : null,
    message_text: heads.length ? heads[heads.length - 1].textContent : '',
    pictures: Array.prototype.map.call(pictures, function (s) {
      return [s.getAttribute('class'), box(s)];
    }),
    filters_shown: document.querySelectorAll('.filter:not([hidden])').length,
    sort_buttons: document.querySelectorAll('button.sort').length
  };
  // Filter the findings to one rule, then sort the flags by their first header.
  var rule = document.querySelector('.filter[data-for=findings-table] select[data-attr=rule]');
  rule.value = 'FL103';
  rule.dispatchEvent(new Event('change'));
  var rows = document.querySelectorAll('#findings-table tbody tr');
  out.rules_shown = Array.prototype.filter.call(rows, function (r) { return !r.hidden; })
    .map(function (r) { return r.getAttribute('data-rule'); });
  out.rows = rows.length;
  var first = document.querySelector('#flags-table thead button.sort');
  first.click();
  first.click();
  out.flags_sorted = Array.prototype.map.call(
    document.querySelectorAll('#flags-table tbody tr td:first-child'),
    function (td) { return td.textContent; });
  var pre = document.createElement('pre');
  pre.id = 'probe';
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
})();
</script>"""


def _chromium(*args: str, profile: Path, height: int = 900) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None
    return subprocess.run(
        [CHROMIUM, "--headless", "--disable-gpu", "--no-sandbox", f"--user-data-dir={profile}",
         f"--window-size=1400,{height}", *args],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


# A finding deep in a package, with a long qualified name that has no place to
# break: the shape that pushed the Message column out of a 1400 px window.
DEEP = "invoicing_and_settlement_subsystem_for_enterprise_customers"
DEEP_MODULE = """\
import os


def reconcile_every_outstanding_invoice_against_the_settlement_ledger(lines):
    if os.getenv("FEATURE_RECONCILE"):  # flaglint: expires=2017-01-01
        return sum(lines)
    return 0
"""


@pytest.fixture
def page(run_cli, tmp_path: Path) -> Path:
    repo = replay("legacy", tmp_path / "legacy", CASES)
    deep = repo / "billing" / DEEP / DEEP / DEEP
    deep.mkdir(parents=True)
    for folder in (deep, deep.parent, deep.parent.parent):
        (folder / "__init__.py").write_text("")
    (deep / "reconciliation_of_outstanding_balances.py").write_text(DEEP_MODULE)
    result = run_cli("audit", "--since", "HEAD~1", "--html", "audit.html", cwd=repo)
    assert result.code == 0, result.err
    return repo / "audit.html"


def test_page_loads_without_console_errors(page: Path, tmp_path: Path) -> None:
    result = _chromium(
        "--enable-logging=stderr", "--v=0", "--dump-dom", page.as_uri(), profile=tmp_path / "p"
    )
    console = [line for line in result.stderr.splitlines() if ":CONSOLE" in line]
    assert console == [], console
    assert 'class="filter" data-for="findings-table"' in result.stdout
    # The script ran: it shows the filters and turns headers into sort buttons.
    assert 'data-for="findings-table" hidden' not in result.stdout
    assert '<button type="button" class="sort">' in result.stdout


def test_pictures_present_and_message_column_visible(page: Path, tmp_path: Path) -> None:
    probed = page.with_name("probed.html")
    probed.write_text(
        page.read_text(encoding="utf-8").replace("</body>", PROBE + "</body>"), encoding="utf-8"
    )
    result = _chromium("--dump-dom", probed.as_uri(), profile=tmp_path / "p")
    match = re.search(r'<pre id="probe">(.*?)</pre>', result.stdout, re.S)
    assert match, result.stderr[-2000:]
    probe = json.loads(match.group(1).replace("&quot;", '"').replace("&amp;", "&"))
    left, right, width, _ = probe["message"]
    assert "Message" in probe["message_text"]
    assert right <= probe["width"] and width >= 250, probe["message"]
    kinds = [kind for kind, (_, _, w, h) in probe["pictures"] if w > 100 and h > 20]
    assert "reach" in kinds and "timeline" in kinds
    assert "timeline repo-timeline" in kinds
    assert probe["filters_shown"] == 2 and probe["sort_buttons"] >= 5
    assert probe["rules_shown"] == ["FL103", "FL103"] and probe["rows"] > 2
    flags = probe["flags_sorted"]
    assert flags == sorted(flags, reverse=True) and len(flags) == 3


def test_screenshots(page: Path, tmp_path: Path) -> None:
    shots = Path(os.environ.get("FLAGLINT_AUDIT_SHOTS") or tmp_path / "shots")
    shots.mkdir(parents=True, exist_ok=True)
    flags_only = page.with_name("flags.html")
    flags_only.write_text(
        page.read_text(encoding="utf-8").replace(
            "</head>", "<style>header,#summary,#findings{display:none}</style></head>", 1
        ),
        encoding="utf-8",
    )
    for name, target, extra, height in (
        ("legacy-top.png", page, (), 2000),
        ("legacy-flags.png", flags_only, (), 2400),
        ("legacy-flags-dark.png", flags_only, ("--force-dark-mode",), 2400),
    ):
        _chromium(
            *extra,
            f"--screenshot={shots / name}",
            target.as_uri(),
            profile=tmp_path / name,
            height=height,
        )
        assert (shots / name).stat().st_size > 10_000, name
