"""scripts/check_po.py: every msgid of each .pot translated in fr, nl, de, es, it."""

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("check_po", ROOT / "scripts" / "check_po.py")
check_po = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(check_po)

POT = """msgid ""
msgstr ""
"Content-Type: text/plain; charset=UTF-8\\n"

#. module: demo
msgid "Total due: %(amount)s"
msgstr ""

msgid ""
"Dear %(partner)s,\\n"
"Kind regards"
msgstr ""

msgid "Placeholders: {partner_name}"
msgstr ""

msgid "Level"
msgstr ""
"""


def _addon(tmp_path, po_text):
    i18n = tmp_path / "demo" / "i18n"
    i18n.mkdir(parents=True)
    (i18n / "demo.pot").write_text(POT, encoding="utf-8")
    for lang in check_po.LANGUAGES:
        (i18n / f"{lang}.po").write_text(po_text, encoding="utf-8")
    return tmp_path / "demo"


def test_parse_keeps_multiline_msgids_and_skips_the_header(tmp_path):
    path = tmp_path / "x.pot"
    path.write_text(POT, encoding="utf-8")
    entries = check_po.parse_po(path)
    assert list(entries) == [
        "Total due: %(amount)s",
        "Dear %(partner)s,\nKind regards",
        "Placeholders: {partner_name}",
        "Level",
    ]


def test_reports_each_missing_empty_fuzzy_or_mismatched_msgid(tmp_path, capsys):
    po = """msgid "Total due: %(amount)s"
msgstr "Total dû : %(montant)s"

msgid ""
"Dear %(partner)s,\\n"
"Kind regards"
msgstr ""

#, fuzzy
msgid "Placeholders: {partner_name}"
msgstr "Variables : {partner_name}"
"""
    assert check_po.check_addon(_addon(tmp_path, po)) == len(check_po.LANGUAGES)
    out = capsys.readouterr().out
    assert "[placeholders differ] msgid 'Total due: %(amount)s'" in out
    assert "[empty] msgid 'Dear %(partner)s,\\nKind regards'" in out
    assert "[fuzzy] msgid 'Placeholders: {partner_name}'" in out
    assert "[missing] msgid 'Level'" in out
    assert "fr.po: 4 of 4 msgids not translated" in out


def test_complete_translations_pass(tmp_path, capsys):
    po = """msgid "Total due: %(amount)s"
msgstr "Totaal verschuldigd: %(amount)s"

msgid "Dear %(partner)s,\\nKind regards"
msgstr "Geachte %(partner)s,\\nMet vriendelijke groeten"

msgid "Placeholders: {partner_name}"
msgstr "Variabelen: {partner_name}"

msgid "Level"
msgstr "Niveau"
"""
    assert check_po.check_addon(_addon(tmp_path, po)) == 0
    assert "complete (4 msgids)" in capsys.readouterr().out


def test_the_shipped_translations_are_complete(capsys):
    """Both addons ship every msgid of their .pot in fr, nl, de, es and it."""
    assert check_po.main([]) == 0, capsys.readouterr().out
