"""FL101 on real repositories at their checked-out commit, scored against read verdicts.

Runs ``flaglint check --select FL101`` on each repository of ``FL101_REPOS``
(paths and flag config from ``benchmarks/inventory/truth/<name>.json`` when it
exists), then matches every finding with the verdicts in ``FL101_READ.json``
(by repository, symbol and flag) and prints, per repository, the findings,
how many were read, how many were justified, and the precision. A finding
without a verdict is printed as UNREAD. Always exits 0.

    python benchmarks/realcases/fl101_scan.py --corpora /work/corpora --flaglint flaglint

With ``--revisions`` it runs instead at the revisions of ``FL101_REVISIONS``:
parents of real flag-removal commits, where the flags later removed were still
live and their stale side still existed (``--at name@rev`` runs one revision
of any repository). Verdicts of those findings are keyed ``name@rev`` (the
first 12 hex digits).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from run import checkout  # noqa: E402  (the benchmark's worktree helper, blobs or not)

TRUTH = HERE.parent / "inventory" / "truth"
CONFIG_NAME = "flaglint-benchmark.toml"
# Folders under --corpora (clones with history); None: paths and config from the
# inventory truth of the same name.
FL101_REPOS = {
    "kitsune": (["kitsune"], ""),
    "koku": None,
    "insights-rbac": None,
    "course-discovery": None,
    "snuba": None,
    "bookwyrm": None,
    "healthchecks": None,
    "wger": None,
    "mathesar": None,
    "credentials": (["credentials"], ""),
    "mit-learn": (["."], ""),
    "edx-enterprise": (["enterprise", "consent", "integrated_channels"], ""),
    "bk-notifications-api": (["app"], ""),
    "bk-freqtrade": (["freqtrade"], ""),
    "bk-hummingbot": (["hummingbot"], ""),
    "bk-lumibot": (["lumibot"], ""),
    "bk-octobot-trading": (["octobot_trading"], ""),
    "bk-passivbot": (["src"], ""),
    "realcases/ecommerce": (["ecommerce"], ""),
    "realcases/kuma": (["kuma"], ""),
    "realcases/readthedocs.org": (
        ["readthedocs"],
        '[[tool.flaglint.providers]]\nname = "rtd-project-feature"\nmethods = ["has_feature"]\n'
        'modules = ["readthedocs.projects.models"]\nkey-index = 0\n',
    ),
    "enterprise-catalog": (["enterprise_catalog"], ""),
    "license-manager": (["license_manager"], ""),
    "enterprise-access": (["enterprise_access"], ""),
    "edx-ora2": (["openassessment"], ""),
    "saleor": (["saleor"], ""),
    "netbox": (["netbox"], ""),
    "dispatch": (["src/dispatch"], ""),
    "plane": (["apps/api/plane"], ""),
    "paperless-ngx": (["src"], ""),
    "OctoBot": (["octobot", "packages"], ""),
    "flagsmith": None,
}


# Parents of flag-removal commits (name under --corpora, revision, the removal it precedes):
# commits that removed flag reads (``git log --grep`` remove/clean up/retire + flag/switch/
# waffle/toggle/feature, ``git log -G`` on read spellings) or a removal note or old-side label.
FL101_REVISIONS: list[tuple[str, str, str]] = [  # fmt: skip
    (
        "course-discovery",
        "432813fa9256ce022d02c1195c3a430aba5301e3",
        "fdbb837504 2019-08-28 DISCO-1331 delete publisher enable read only waffle (#2119)",
    ),
    (
        "course-discovery",
        "53d9ef3c355b2ffdbf3d6b85b62b55d7f0c44676",
        "a3f3c8052a 2019-12-23 Drop publisher views",
    ),
    (
        "course-discovery",
        "9e98abe4106ce27494eb4c84469e33e5759e077b",
        "7be63b0ba8 2023-08-01 feat: modify validate_course_slug method to add exec ed pat",
    ),
    (
        "course-discovery",
        "9f53971ff20b630a153e53214a8a24e19fcf7949",
        "5619f4dc6a 2019-08-19 Drop some publisher waffle switches",
    ),
    (
        "credentials",
        "d5b750aa2f31cf32acff17602f74de3a8a8946b3",
        "a925397b46 2023-10-23 feat: remove manual event bus publishing config and functionality",
    ),
    (
        "credentials",
        "7df8c96ef6f0ffc547b7e0892c32d02ead1d22f6",
        "5247e1722b 2021-09-01 fix: corrects issue with issue_date and visible_date",
    ),
    (
        "edx-ora2",
        "d3971d58cdd32d0590e99b11ff6ab46bc5cf4acd",
        "149aad9b02 2020-11-04 Do not use waffle for activation of mobile support",
    ),
    (
        "enterprise-catalog",
        "4d4b32756525fe2977f7bdc6344a23597b94c3ff",
        "27c342fc 2023-10-03 chore: remove deprecated code for indexing catalogs for programs",
    ),
    (
        "enterprise-catalog",
        "57a9fed9c0035f891978ed6077b4ff75f3f49430",
        "5e6c753c99 2023-07-19 feat: Remove api calls for content enrollment url (#650)",
    ),
    (
        "license-manager",
        "3290ac540f7f170887eb3098eb117caa37e0d179",
        "fc4833f487 2021-10-13 fix: expose license activation key in license serializer",
    ),
    (
        "license-manager",
        "97ffc8353f315d326ffda25a6b1d3ea0a9be68cf",
        "526abc29f5 2022-08-16 feat: remove SUBSCRIPTION_LICENSE_MODIFIED signal send (#443)",
    ),
    (
        "dispatch",
        "ce57eeff74695138f194a04259b874923c18d29f",
        "e76bdac60 2025-01-24 Removes experimental features flag from Case Cost",
    ),
    (
        "saleor",
        "470c8a97816eff55f51b12975a94d40c44decebb",
        "b56c316ce6 2020-02-03 Remove condition of opentracing enabled",
    ),
    (
        "saleor",
        "f73318c129a663b91bbfdaca5103faab05f22803",
        "ede8553330 2023-05-15 Move ENABLE_ACCOUNT_CONFIRMATION_BY_EMAIL flag to SiteSettings",
    ),
    (
        "plane",
        "34ab188a9903689b444d31b2cc24a6be311de9d2",
        "eb53876af3 2023-11-18 feat: Instance Registration and Configuration (#2793)",
    ),
    (
        "paperless-ngx",
        "da6dc2ad5babc289375fef64680b1f7f8a76c741",
        "cdc07cf153 2018-02-04 Move the encrypt/decrypt decision out of db and into the view",
    ),
    (
        "OctoBot",
        "fabdc885db4a2a0e1f9c749f0ee3b995f4378c88",
        "dae2fddc4c 2019-06-05 Temporary cleanup",
    ),
    (
        "netbox",
        "b83fcc6077bd9d980c1f2164e32015454429279e",
        "a38a38218b 2023-11-30 14132 Add EventRule - change webhook",
    ),
    (
        "kitsune",
        "bd659b32d602c2ff1e687a244022f4576e3b9f15",
        "28238acfbd 2023-11-09 flip the switch to postgres (#5609)",
    ),
    (
        "koku",
        "39b19f0ab4596f598ca73377488a21f96d6d3d48",
        "f5e433e815 2025-08-07 [COST-5881] remove old ocp-on-aws parquet flow (#5703)",
    ),
    (
        "koku",
        "4c692423e35c5a19a7be8274f235460e2a2acb03",
        "fdbcf8c644 2023-11-21 [COST-4445] ReportDBAccessorBase cleanup (#4796)",
    ),
    (
        "koku",
        "5219983f4b44a2c18828c69fb921a4c93043deb2",
        "8a245a13e1 2022-05-24 initial HCS report finalization (#3648)",
    ),
    (
        "koku",
        "8b66684ba360ce51b2542b6f543549d90fbe8e7c",
        "e06699cee3 2023-10-05 [COST-3797] Deprecate Settings endpoint (#4670)",
    ),
    (
        "koku",
        "961176e0df4808bf059a1bf267b23ba991e6afbb",
        "d79f09f1a2 2025-02-11 Updates to the managed flow (#5496)",
    ),
    (
        "mit-learn",
        "2b614fac15abd3c625d15235d15feec3a11b6bc7",
        "e867e5e9fa 2023-08-17 Remove unused auth code (#31)",
    ),
    (
        "mit-learn",
        "eb5a55092f423c598e8b5b4b277554a43081d142",
        "885cdd7644 2023-09-07 2: remove discussions backend code, reddit, channels, moira",
    ),
    (
        "realcases/ecommerce",
        "1f2acc60b0ef2415bd4a2b65ceb0eb9766dcf65c",
        "5bf0b93915 2019-06-12 REVMI-258 REVMI-279 Simplify reading lms_user_id and improv",
    ),
    (
        "realcases/ecommerce",
        "3873cad9fdbd846f3ede7077dd6bc4d5ae6fa724",
        "021b39798c 2017-06-23 Removed SiteConfiguration.enable_otto_receipt_page",
    ),
    (
        "realcases/ecommerce",
        "a59b856ebd22b11cb3fa64321d2fcd05ad06bb9a",
        "09119c654f 2020-04-03 increase limit on offer assignment email templates",
    ),
    (
        "realcases/kuma",
        "d678bccd286f35302a333ca2e734358ab96a45f5",
        "0d8bddf2c3 2021-06-08 collapse kuma to its minimal state (#7825)",
    ),
    (
        "realcases/readthedocs.org",
        "000af144f4bd9c67381360c193a9b965f2025390",
        "9fb4b22f41 2025-07-24 Project: remove old/deprecated feature flags (#12356)",
    ),
    (
        "realcases/readthedocs.org",
        "21ea718af42b6f64a4df50dda8e92c612e27d363",
        "bb9dd8bf9b 2022-10-06 Build: remove `DEDUPLICATE_BUILDS` feature (#9591)",
    ),
    (
        "realcases/readthedocs.org",
        "2f4334dbb3950f8dc4f8720d6e3f5bcca2d92ce6",
        "f1b7fd661c 2023-08-21 VCS: remove unused methods and make new Git pattern the def",
    ),
    (
        "realcases/readthedocs.org",
        "372de4e75a2e569a0eb42365a4f77f46d7c9412a",
        "b2ab794f49 2024-06-10 VCS: remove code for old VCS support (#11377)",
    ),
    (
        "realcases/readthedocs.org",
        "4836fa5809b1add216f94005f7316ae96fe61055",
        "dcccac0521 2023-10-23 Deprecation: remove code for config file v1 and default con",
    ),
    (
        "realcases/readthedocs.org",
        "4be38fa31053ce4cccc23fc6c6f92f929a83f106",
        "40bfe63fd9 2023-08-28 Proxito: remove old implementation (#10660)",
    ),
    (
        "realcases/readthedocs.org",
        "51ac47bfe24ccc2a09a828c6bcca36bb8c89bd9c",
        "27e9b2dca9 2023-04-10 Migrate more feature checks (#10228)",
    ),
    (
        "realcases/readthedocs.org",
        "5a4c099a6a328b5a80f0cfcef888c7d962c21011",
        "1ebd4e58b4 2024-12-11 Remove disable_sphinx_manipulation feature flag (#11841)",
    ),
    (
        "realcases/readthedocs.org",
        "61790d8d3cf488dd5717e71ed33d7cbdc006460a",
        "6e76a97408 2025-04-29 New dashboard: remove legacy dashboard (#12091)",
    ),
    (
        "realcases/readthedocs.org",
        "7bceb65d232c20a77338d10e9b27fdfe2a16f7b6",
        "b207d2e41d 2024-11-12 Addons: remove old `X-RTD-Hosting-Integrations` HTTP header",
    ),
    (
        "realcases/readthedocs.org",
        "8a7586b6d8c05bf7cbdb88f11d2b21fa5568ae09",
        "d86371191e 2023-06-28 Feature flag: remove DONT_CREATE_INDEX (#10471)",
    ),
    (
        "realcases/readthedocs.org",
        "953d27a8ef5ad59875112ffcb4b8727b4246c9e7",
        "283fd10824 2023-09-19 Tasks: remove old fileify task (#10747)",
    ),
    (
        "realcases/readthedocs.org",
        "a60ef040978424be9fe2def7f6e0dee300fbfc73",
        "0694d4271c 2025-10-27 Remove DONT_CLEAN_BUILD feature flag (#12519)",
    ),
    (
        "realcases/readthedocs.org",
        "bfeb6d8f7ad85abef9e1ac79846e20caa8ccf0e5",
        "306194ffe2 2023-06-14 Feature flag: remove unused ones (#10423)",
    ),
    (
        "realcases/readthedocs.org",
        "d44e366c06677700a9fb637130f831815f68d9bb",
        "e3f634a73f 2026-06-04 Automation rules: delete old models and forms (#13019)",
    ),
    (
        "realcases/readthedocs.org",
        "de0c6ab199c3aa195db837dd6fcba021b043440c",
        "7a3a16b835 2023-08-15 Settings: remove CSRF_COOKIE_MASKED (#10608)",
    ),
    (
        "realcases/readthedocs.org",
        "f4875a2745939eb0b2f7c02d7fedc30c52907d80",
        "e5bd2374d6 2021-01-20 Remove some feature flags (#7846)",
    ),
    (
        "realcases/readthedocs.org",
        "f9384df425361b69433ec37710c3dcaa98be0beb",
        "f75e4de3c5 2023-10-25 Unresolver: remove old language code compatibility (#10869)",
    ),
    (
        "realcases/readthedocs.org",
        "fdf6b600032b50b260d6f503669461a070e3ba0c",
        "18889f0215 2023-08-09 Deprecation: codify browndates for 'no config file deprecat",
    ),
    (
        "snuba",
        "2d713356bbbc11ac4ec9029469183352d07cc6e2",
        "1824959f9f 2024-03-06 cleanup(capman): Remove some legacy rate limiters (#5618)",
    ),
    (
        "snuba",
        "542e677692e2e1c9c55c46c4d2694f8bc8c5cd8f",
        "214b4923a5 2022-03-02 ref: Remove the ability to read the old events storage (#24",
    ),
    (
        "snuba",
        "6f8eca6c59f83f0390170150c5c53b914b2504a5",
        "15659533f5 2026-08-03 ref(state): Remove Redis runtime config API (#8253)",
    ),
    (
        "snuba",
        "8f892656c2e0b8075207ddf108bfacd4fd2c073d",
        "d9972bf30e 2022-06-17 feat(subscriptions): Remove the temporary rollout code (#27",
    ),
    (
        "snuba",
        "b4deb89ac1058cd7b772afcd9d69567913fc61a9",
        "6a6977fdba 2021-05-03 feat: Deprecate STORAGE_TOPICS (#1840)",
    ),
    (
        "snuba",
        "dc5e42ef0694fcb1cfa45a2fc5f41c5209cb23d3",
        "4f8e03f6f6 2026-07-13 feat(eap): Read array attributes from typed columns via the",
    ),
    (
        "snuba",
        "df15d62f0a9a3cea8a9f451076396aa4a8fbe908",
        "8519a9846e 2024-01-08 ref(devserver): Use Rust consumers almost everywhere, and f",
    ),
    (
        "snuba",
        "e37b428e9005e4592ddc6366cd3fdd79090b4894",
        "badf1a0f21 2021-10-27 feat(snql) Remove DelegateSubscription and LegacySubscripti",
    ),
    (
        "snuba",
        "ed47e95042fdea4c1b03981cf5fd4fc9cb48b532",
        "9842f7dbc1 2021-11-16 ref(legacy) Remove legacy parsing functions (#2201)",
    ),
    (
        "snuba",
        "f25af4253589629c508ffcbd393b153d15491a9f",
        "9f40e627cb 2025-04-29 cleanup(eap): remove v1/legacy APIs (#7138)",
    ),
]


def settings(name: str) -> tuple[list[str], str]:
    given = FL101_REPOS.get(name)
    if given is not None:
        return given
    truth_file = TRUTH / f"{Path(name).name}.json"
    if not truth_file.exists():
        return ["."], ""  # a clone named only with --at: the whole tree, default settings
    truth = json.loads(truth_file.read_text(encoding="utf-8"))
    return list(truth.get("paths") or ["."]), truth.get("config") or ""


def run_checked_out(flaglint: str, clone: Path, paths: list[str], config: str) -> list[dict]:
    """Run in the clone, or in a temporary worktree at its HEAD when it has no work tree."""
    if any((clone / p).exists() for p in paths):
        return run(flaglint, clone, paths, config)
    with tempfile.TemporaryDirectory(prefix="fl101-scan-") as folder:
        tree = Path(folder) / clone.name
        git = ["git", "-C", str(clone), "worktree"]
        subprocess.run([*git, "add", "--detach", str(tree), "HEAD"], capture_output=True)
        try:
            return run(flaglint, tree, paths, config)
        finally:
            subprocess.run([*git, "remove", "--force", str(tree)], capture_output=True)
            subprocess.run([*git, "prune"], capture_output=True)


def run(flaglint: str, checkout: Path, paths: list[str], config: str) -> list[dict]:
    cmd = [flaglint, "check", "--format", "json", "--select", "FL101"]
    if config.strip():
        text = config if "[tool.flaglint]" in config else "[tool.flaglint]\n" + config
        (checkout / CONFIG_NAME).write_text(text, encoding="utf-8")
        cmd += ["--config", CONFIG_NAME]
    proc = subprocess.run([*cmd, *paths], cwd=checkout, capture_output=True, text=True)
    try:
        data = json.loads(proc.stdout)
    except json.JSONDecodeError:
        print(f"  cannot parse output: {proc.stderr.strip()[:300]}", file=sys.stderr)
        return []
    findings = data["findings"] if isinstance(data, dict) else data
    return [f for f in findings if f.get("code", f.get("rule")) == "FL101"]


def run_at(flaglint: str, clone: Path, rev: str, paths: list[str], config: str) -> list[dict]:
    """Run in a temporary worktree of ``clone`` at ``rev``."""
    with checkout(clone, rev) as (tree, note):
        if tree is None:
            print(f"  {note}", file=sys.stderr)
            return []
        # Layouts move over the years (plane's apiserver/ became apps/api/): what exists.
        present = [p for p in paths if (tree / p).exists()] or ["."]
        return run(flaglint, tree, present, config)


def targets(args: argparse.Namespace) -> list[tuple[str, str, str | None]]:
    """(verdict name, clone name, revision or None for the checked-out commit)."""
    if args.at:
        return [(f"{n}@{r[:12]}", n, r) for n, _, r in (a.partition("@") for a in args.at)]
    if args.revisions:
        wanted = set(args.repo or [n for n, _, _ in FL101_REVISIONS])
        return [(f"{n}@{r[:12]}", n, r) for n, r, _ in FL101_REVISIONS if n in wanted]
    return [(n, n, None) for n in args.repo or list(FL101_REPOS)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpora", default="/work/corpora", type=Path)
    parser.add_argument("--flaglint", default="flaglint")
    parser.add_argument("--repo", action="append", help="only these (also with --revisions)")
    parser.add_argument("--verdicts", default=HERE / "FL101_READ.json", type=Path)
    parser.add_argument("--json", action="store_true", help="print the raw findings")
    parser.add_argument("--revisions", action="store_true", help="run at FL101_REVISIONS")
    parser.add_argument("--at", action="append", help="NAME@REV: run at this revision")
    args = parser.parse_args(argv)
    verdicts = {}
    if args.verdicts.exists():
        for v in json.loads(args.verdicts.read_text(encoding="utf-8")):
            verdicts[(v["repo"], v["symbol"], v["flag"])] = v
    total = justified = read = 0
    raw = {}
    for name, clone_name, rev in targets(args):
        clone = args.corpora / clone_name
        if not clone.is_dir():
            print(f"{name}: missing clone at {clone}")
            continue
        paths, config = settings(clone_name)
        if rev is None:
            findings = run_checked_out(args.flaglint, clone, paths, config)
        else:
            findings = run_at(args.flaglint, clone, rev, paths, config)
        raw[name] = findings
        ok = seen = 0
        print(f"{name}: {len(findings)} FL101 findings")
        for f in findings:
            verdict = verdicts.get((name, f.get("symbol"), f.get("flag")))
            mark = "UNREAD" if verdict is None else verdict["verdict"]
            if verdict is not None:
                seen += 1
                ok += verdict["verdict"] == "justified"
            print(
                f"  {mark:10} {f.get('symbol')} flag={f.get('flag')} "
                f"{f.get('path')}:{f.get('line')}"
            )
        total += len(findings)
        justified += ok
        read += seen
    precision = f"{justified / read:.0%}" if read else "n/a"
    print(f"total: {total} findings, {read} read, {justified} justified, precision {precision}")
    if args.json:
        print(json.dumps(raw, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
