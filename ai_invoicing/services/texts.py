"""Texts the pure services write for people to read, in English, ready to be translated.

No Odoo import here. A service writes ``_("... %(name)s", name=value)``: the result is a
``Text``, a ``str`` holding the English text (so the services and their tests read English as
before) that keeps its template and named params. Odoo's exporter extracts these ``_()``
calls, so every template is in the addon's ``.pot``; the Odoo layer says the text in the
reader's language with ``say(text, wording)`` (``ai.invoice.agent._wording(lang)``: ``env._``
of this addon, so the template is looked up in its translations). ``join`` keeps a list of
texts joined by a separator translatable part by part.
"""

from collections.abc import Iterable
from datetime import date


class _Immutable(str):
    """A ``str`` with fixed attributes: copies are itself, pickles keep the attributes."""

    def __copy__(self):
        return self

    def __deepcopy__(self, memo):
        return self

    def __reduce__(self):
        return (_rebuild, (type(self), str(self), dict(self.__dict__)))


def _rebuild(cls, value, attributes):
    text = str.__new__(cls, value)
    text.__dict__.update(attributes)
    return text


class Text(_Immutable):
    """English (or already said) text that remembers its template and params."""

    source: str
    params: dict
    english: str

    def __new__(cls, source: str, /, **params) -> "Text":
        value = source % params if params else source
        text = super().__new__(cls, value)
        text.source, text.params, text.english = source, params, value
        return text

    @classmethod
    def said(cls, value: str, like: "Text") -> "Text":
        """``value`` (the text in some language) with ``like``'s template and params."""
        text = super().__new__(cls, value)
        text.source, text.params, text.english = like.source, like.params, like.english
        return text


class Joined(_Immutable):
    """Texts joined by a separator; each part is said on its own."""

    sep: str
    parts: tuple
    english: str

    def __new__(cls, sep: str, parts: Iterable[str]) -> "Joined":
        parts = tuple(parts)
        value = sep.join(parts)
        joined = super().__new__(cls, value)
        joined.sep, joined.parts = sep, parts
        joined.english = sep.join(english(part) for part in parts)
        return joined


class Amount(_Immutable):
    """An amount written the English way (``1,234.50 EUR``), in the reader's format by ``say``."""

    value: float
    digits: int
    currency: str
    english: str

    def __new__(cls, value, digits: int = 2, currency: str = "") -> "Amount":
        english = f"{value:,.{digits}f}" + (f" {currency}" if currency else "")
        text = super().__new__(cls, english)
        text.value, text.digits, text.currency, text.english = (
            float(value),
            digits,
            currency,
            english,
        )
        return text


class Day(_Immutable):
    """A date written ISO (``2026-11-25``), in the reader's format by ``say``."""

    value: date
    english: str

    def __new__(cls, value: date | str) -> "Day":
        if isinstance(value, str):
            value = date.fromisoformat(value[:10])
        text = super().__new__(cls, value.isoformat())
        text.value, text.english = value, value.isoformat()
        return text


def amount(value, digits: int = 2, currency: str = "") -> Amount:
    return Amount(value, digits, currency)


def _(source: str, /, **params) -> Text:
    """A translatable text: the English now, the template and params for ``say``."""
    return Text(source, **params)


def join(sep: str, parts: Iterable[str]) -> Joined:
    return Joined(sep, parts)


def english(text: str) -> str:
    """The English of a text, whatever language it was said in since."""
    return getattr(text, "english", text)


def say(text, w) -> str:
    """``text`` in the language of ``w`` (a ``templates.Wording``); plain strings as they are.

    The result keeps the structure (a ``Text`` or ``Joined``), so it can be said again and its
    English stays readable by code (``english``).
    """
    if isinstance(text, Text):
        params = {key: say(value, w) for key, value in text.params.items()}
        return Text.said(w._(text.source, **params) if params else w._(text.source), text)
    if isinstance(text, Day):
        return _rebuild(Day, w.date(text.value), dict(text.__dict__))
    if isinstance(text, Amount):
        if text.digits != 2:
            return text
        said = w.number(text.value) + (f" {text.currency}" if text.currency else "")
        return _rebuild(Amount, said, dict(text.__dict__))
    if isinstance(text, Joined):
        parts = tuple(say(part, w) for part in text.parts)
        joined = str.__new__(Joined, text.sep.join(parts))
        joined.sep, joined.parts, joined.english = text.sep, parts, text.english
        return joined
    return text


def to_data(text):
    """A text as JSON-able data (template, params, parts), to be said later by ``from_data``."""
    if isinstance(text, Text):
        return {"source": text.source, "params": {k: to_data(v) for k, v in text.params.items()}}
    if isinstance(text, Joined):
        return {"sep": text.sep, "parts": [to_data(part) for part in text.parts]}
    if isinstance(text, Amount):
        return {"amount": text.value, "digits": text.digits, "currency": text.currency}
    if isinstance(text, Day):
        return {"date": text.english}
    return text


def from_data(data):
    """The English ``Text`` (or ``Joined``) that ``to_data`` stored; other values as they are."""
    if isinstance(data, dict) and "source" in data:
        params = {key: from_data(value) for key, value in (data.get("params") or {}).items()}
        return Text(data["source"], **params)
    if isinstance(data, dict) and "sep" in data:
        return Joined(data["sep"], (from_data(part) for part in data.get("parts") or ()))
    if isinstance(data, dict) and "date" in data:
        return Day(date.fromisoformat(data["date"]))
    if isinstance(data, dict) and "amount" in data:
        return Amount(data["amount"], data.get("digits", 2), data.get("currency") or "")
    return data
