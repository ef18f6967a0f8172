"""remove-flag and constants that share the key constant's name."""

from __future__ import annotations

from pathlib import Path

FILES = {
    "shop/__init__.py": "",
    "shop/switches.py": 'NEW_CART = "new-cart"\n',
    "shop/views.py": (
        "import waffle\n\nfrom shop.switches import NEW_CART\n\n\n"
        "def cart(request):\n"
        "    if waffle.switch_is_active(NEW_CART):\n"
        '        return "new"\n'
        '    return "old"\n'
    ),
    "billing/__init__.py": "",
    "billing/switches.py": 'NEW_CART = "billing-new-cart"\n',
    "billing/views.py": (
        "import waffle\n\nfrom billing.switches import NEW_CART\n\n\n"
        "def invoice():\n"
        "    return waffle.switch_is_active(NEW_CART)\n"
    ),
    "tests/__init__.py": "",
    "tests/test_billing.py": (
        "from unittest import TestCase\n\n"
        "from waffle.testutils import override_switch\n\n"
        "from billing.switches import NEW_CART\n"
        "from billing.views import invoice\n\n\n"
        "class InvoiceTest(TestCase):\n"
        "    def test_invoice(self):\n"
        "        with override_switch(NEW_CART, active=True):\n"
        "            self.assertTrue(invoice())\n"
    ),
}


def test_a_test_of_another_flag_with_the_same_constant_name_is_left(
    run_cli, tmp_path: Path
) -> None:
    """``billing.switches.NEW_CART`` is another switch: its test is not rewritten for
    ``new-cart``; it is left for a human (exit 3), naming the other binding."""
    for name, text in FILES.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    result = run_cli("remove-flag", "new-cart", "--keep", "on", "--no-cache", cwd=tmp_path)
    assert result.code == 3, result.err
    assert "tests/test_billing.py" not in result.out
    assert (
        "left for a human: tests/test_billing.py:5: `NEW_CART` names new-cart and also "
        "another value (billing/switches.py:1)"
    ) in result.err
    assert "shop/views.py" in result.out


def test_a_comment_naming_another_flag_by_the_same_constant_name_stays(
    run_cli, tmp_path: Path
) -> None:
    """Above a folded read of ``new-cart``, a comment naming ``NEW_CART`` speaks of the
    key only where ``NEW_CART`` is the key's constant: in a module that imports
    billing's ``NEW_CART`` (another switch) the comment stays; in one that imports
    shop's, it goes."""
    files = dict(FILES)
    files["billing/views.py"] = (
        "import waffle\n\nfrom billing.switches import NEW_CART\n\n\n"
        "def invoice():\n"
        "    lines = [10]\n"
        "    # NEW_CART is active for invoices only.\n"
        '    if waffle.switch_is_active("new-cart"):\n'
        "        lines.append(1)\n"
        "    return lines, waffle.switch_is_active(NEW_CART)\n"
    )
    files["shop/views.py"] = (
        "import waffle\n\nfrom shop.switches import NEW_CART\n\n\n"
        "def cart(request):\n"
        "    items = []\n"
        "    # NEW_CART is active: one more item.\n"
        "    if waffle.switch_is_active(NEW_CART):\n"
        '        items.append("new")\n'
        "    return items\n"
    )
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    result = run_cli("remove-flag", "new-cart", "--keep", "on", "--no-cache", cwd=tmp_path)
    assert "+    lines.append(1)\n" in result.out, result.out
    assert "-    # NEW_CART is active for invoices only.\n" not in result.out
    assert "-    # NEW_CART is active: one more item.\n" in result.out
