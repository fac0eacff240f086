"""Key bindings: every one has a unique id, none uses a key terminals swallow, remapping works."""

from __future__ import annotations

import pytest

from dropwizard.errors import InputError
from dropwizard.tui import keys


def test_every_binding_has_a_unique_id_and_a_safe_key() -> None:
    ids = [k.id for k in keys.KEYS]
    assert len(ids) == len(set(ids))
    for k in keys.KEYS:
        for key in k.key.split(","):
            assert key not in keys.FORBIDDEN, k.id
    for scope in {k.scope for k in keys.KEYS}:
        for b in keys.bindings(scope):
            assert b.id and b.id in keys.BY_ID


def test_keymap_accepts_full_and_short_ids() -> None:
    km = keys.keymap_from_config({"wizard.back": "left,B", "rerun": "f5"})
    assert km == {"wizard.back": "left,b", "wizard.rerun": "f5"}
    assert keys.effective_key("wizard.back", km) == "left,b"
    assert keys.effective_key("wizard.note", km) == "n"


@pytest.mark.parametrize(
    ("table", "words"),
    [
        ({"wizard.back": "ctrl+s"}, "taken by terminals"),
        ({"nosuch": "x"}, "no key binding named 'nosuch'"),
        ({"close": "q"}, "ambiguous"),
        ({"back": " , "}, "names no key"),
    ],
)
def test_bad_keymaps_are_one_line_errors(table: dict[str, str], words: str) -> None:
    with pytest.raises(InputError) as err:
        keys.keymap_from_config(table)
    assert words in err.value.message
    assert "\n" not in err.value.message


def test_training_and_glossary_keys_are_remappable() -> None:
    from dropwizard.tui import keys

    keymap = keys.keymap_from_config({"training.hint": "x", "glossary.close": "q"})
    assert keymap == {"training.hint": "x", "glossary.close": "q"}
    assert {b.id for b in keys.bindings("training")} >= {"training.hint", "training.retry"}
    assert {b.id for b in keys.bindings("glossary")} == {
        "glossary.close",
        "glossary.down",
        "glossary.up",
    }
