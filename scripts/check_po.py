#!/usr/bin/env python3
"""Check the shipped translations against the templates: python3 only, no package.

For each addon's ``i18n/<addon>.pot`` and each language of ``LANGUAGES``, ``i18n/<lang>.po``
must exist and translate every msgid of the template: not missing, not empty, not fuzzy,
with the same placeholders (``%(name)s``, ``%s``, ``{token}``) as the msgid. Prints, per
file, exactly which msgids fail and why; exits 1 when one does.

    python3 scripts/check_po.py [ADDON_DIR ...]      (default: every addon with an i18n/*.pot)
"""

import re
import sys
from collections import Counter
from pathlib import Path

LANGUAGES = ("fr", "nl", "de", "es", "it")
ROOT = Path(__file__).resolve().parents[1]
_PLACEHOLDER = re.compile(r"%\([^)]+\)[sdrf]|%[sdrf]|\{\w+\}")


def _unquote(line: str) -> str:
    text = line.strip()
    if not (text.startswith('"') and text.endswith('"')):
        raise ValueError(f"not a quoted string: {line!r}")
    return (
        text[1:-1]
        .replace("\\\\", "\x00")
        .replace('\\"', '"')
        .replace("\\n", "\n")
        .replace("\\t", "\t")
        .replace("\x00", "\\")
    )


def parse_po(path: Path) -> dict[str, tuple[str, bool]]:
    """{msgid: (msgstr, fuzzy)} of a .po/.pot file (the header entry excluded)."""
    entries, fuzzy, key, current = {}, False, None, {}

    def flush():
        nonlocal fuzzy, current
        if "msgid" in current and current["msgid"]:
            entries[current["msgid"]] = (current.get("msgstr", ""), fuzzy)
        fuzzy, current = False, {}

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        try:
            if not line:
                continue
            if line.startswith("#"):
                if "msgstr" in current:
                    flush()
                if line.startswith("#,") and "fuzzy" in line:
                    fuzzy = True
                continue
            if line.startswith("msgid "):
                if "msgstr" in current:
                    flush()
                key = "msgid"
                current[key] = _unquote(line[6:])
            elif line.startswith("msgstr "):
                key = "msgstr"
                current[key] = _unquote(line[7:])
            elif line.startswith("msgctxt ") or line.startswith("msgid_plural"):
                raise ValueError("msgctxt and plurals are not used by Odoo's exporter")
            elif line.startswith('"') and key:
                current[key] += _unquote(line)
            else:
                raise ValueError(f"unexpected line {raw!r}")
        except ValueError as exc:
            raise SystemExit(f"{path}:{number}: {exc}") from None
    flush()
    return entries


def placeholders(text: str) -> Counter:
    return Counter(_PLACEHOLDER.findall(text))


def problems(template: dict, translated: dict) -> list[tuple[str, str]]:
    """(reason, msgid) of every msgid of ``template`` that ``translated`` fails."""
    found = []
    for msgid in template:
        if msgid not in translated:
            found.append(("missing", msgid))
            continue
        msgstr, fuzzy = translated[msgid]
        if fuzzy:
            found.append(("fuzzy", msgid))
        elif not msgstr.strip():
            found.append(("empty", msgid))
        elif placeholders(msgid) != placeholders(msgstr):
            found.append(("placeholders differ", msgid))
    return found


def check_addon(addon: Path) -> int:
    failures = 0
    for pot in sorted((addon / "i18n").glob("*.pot")):
        template = parse_po(pot)
        for lang in LANGUAGES:
            po = pot.parent / f"{lang}.po"
            rel = po.relative_to(ROOT) if po.is_relative_to(ROOT) else po
            if not po.exists():
                print(f"{rel}: MISSING FILE ({len(template)} msgids to translate)")
                failures += 1
                continue
            bad = problems(template, parse_po(po))
            if bad:
                print(f"{rel}: {len(bad)} of {len(template)} msgids not translated:")
                for reason, msgid in bad:
                    print(f"  [{reason}] msgid {msgid!r}")
                failures += 1
            else:
                print(f"{rel}: complete ({len(template)} msgids)")
    return failures


def main(argv: list[str]) -> int:
    addons = [Path(arg).resolve() for arg in argv] or sorted(
        path.parent.parent for path in ROOT.glob("*/i18n/*.pot")
    )
    failures = sum(check_addon(addon) for addon in addons)
    if failures:
        print(f"check_po: {failures} translation file(s) incomplete (see above).")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
