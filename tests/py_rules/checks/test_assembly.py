import pytest
from hypothesis import given
from hypothesis import strategies as st

from py_rules.checks.abilities import Ability, Character, Proficiency
from py_rules.checks.assembly import (
    DcSource,
    TermSource,
    assemble_check,
    level_dc,
    stacked_modifiers,
)
from py_rules.checks.language import CEFR, CEFR_DC
from py_rules.checks.modifiers import Modifier, total_modifier
from py_rules.checks.registry import default_registry
from py_rules.dice.rewrite import Advantage
from py_rules.errors import RulesError

LOLA = Character({Ability.GRAMMAR: 18, Ability.LISTENING: 7}, {"es": Proficiency.EXPERT})


def test_ability_check_counts_only_the_sheet_modifier() -> None:
    check = assemble_check(LOLA, Ability.GRAMMAR, CEFR.B1)
    assert (check.modifier, check.dc, check.dc_source) == (4, 12, DcSource.DEFAULT)
    assert [(t.source, t.value, t.ref) for t in check.terms] == [(TermSource.ABILITY, 4, "grammar")]
    assert check.proficiency is None and check.granted == ()


def test_language_check_adds_the_sheet_proficiency() -> None:
    check = assemble_check(LOLA, Ability.LISTENING, CEFR.C2, language="es")
    assert check.modifier == -2 + 4
    assert check.proficiency is Proficiency.EXPERT
    assert check.terms[1].source is TermSource.PROFICIENCY and check.terms[1].ref == "es"


def test_a_language_missing_from_the_sheet_is_untrained() -> None:
    check = assemble_check(LOLA, Ability.LISTENING, CEFR.A1, language="ja")
    assert check.proficiency is Proficiency.UNTRAINED and check.modifier == -2


def test_granted_modifiers_are_terms_with_their_grant_id() -> None:
    granted = (Modifier(2, "circumstance", "g1"), Modifier(-1, None, "g2"))
    check = assemble_check(LOLA, Ability.GRAMMAR, CEFR.B2, granted=granted)
    assert check.modifier == 4 + 2 - 1
    assert [(t.ref, t.counted) for t in check.granted] == [("g1", 2), ("g2", -1)]


def test_a_lower_bonus_of_the_same_type_does_not_count() -> None:
    granted = (Modifier(1, "circumstance", "low"), Modifier(2, "circumstance", "high"))
    check = assemble_check(LOLA, Ability.GRAMMAR, CEFR.B2, granted=granted)
    assert check.modifier == 6
    assert [t.ref for t in check.granted] == ["high"]
    assert [(t.ref, t.counted) for t in check.terms[1:]] == [("low", 0), ("high", 2)]


def test_the_campaign_dc_replaces_the_default_for_its_level_only() -> None:
    table = {CEFR.B2: 15, CEFR.C1: None}
    assert level_dc(CEFR.B2, table) == (15, DcSource.CAMPAIGN)
    assert level_dc(CEFR.C1, table) == (CEFR_DC[CEFR.C1], DcSource.DEFAULT)
    check = assemble_check(LOLA, Ability.GRAMMAR, CEFR.B2, dc_table=table)
    assert (check.dc, check.dc_source) == (15, DcSource.CAMPAIGN)


@pytest.mark.parametrize("dc", [0, 101, -5])
def test_a_dc_override_outside_1_to_100_raises(dc: int) -> None:
    with pytest.raises(RulesError):
        level_dc(CEFR.A1, {CEFR.A1: dc})


def test_an_unknown_modifier_type_raises() -> None:
    with pytest.raises(RulesError):
        assemble_check(LOLA, Ability.GRAMMAR, CEFR.A1, granted=(Modifier(1, "luck", "g"),))


def test_advantage_is_carried() -> None:
    check = assemble_check(LOLA, Ability.GRAMMAR, CEFR.A1, advantage=Advantage.DISADVANTAGE)
    assert check.advantage is Advantage.DISADVANTAGE


modifiers = st.lists(
    st.builds(
        Modifier,
        st.integers(-20, 20).filter(bool),
        st.sampled_from([None, "circumstance", "item", "status"]),
        st.text(max_size=3),
    ),
    max_size=8,
)


@given(modifiers)
def test_stacked_modifiers_sum_to_total_modifier(mods: list[Modifier]) -> None:
    registry = default_registry()
    counted = stacked_modifiers(mods, registry)
    assert sum(counted) == total_modifier(mods, registry)
    assert all(c in (0, m.value) for c, m in zip(counted, mods, strict=True))
