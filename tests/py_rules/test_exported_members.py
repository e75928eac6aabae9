import py_rules

CURATED = {
    "CEFR", "CEFR_DC", "DEFAULT_LIMITS", "Ability", "Advantage", "Character", "CheckKind",
    "CheckResult", "CheckType", "Degree", "DiceError", "DiceRNG", "DiceSyntaxError",
    "Distribution", "EvaluationError", "FairRNG", "LanguageChallenge", "LimitExceeded", "Limits",
    "Modifier", "ModifierType", "Node", "OddsError", "Proficiency", "RollResult", "RulesError",
    "RulesRegistry", "ServerSeed", "VerificationError", "ability_check", "ability_modifier",
    "challenge_modifier", "challenge_odds", "chance_to_pass", "check_expression",
    "default_registry", "degree_odds", "degree_of_success", "odds", "parse",
    "render_expression", "render_roll", "resolve_challenge", "resolve_check", "roll", "to_json",
    "total_modifier", "verify_commitment", "verify_roll", "with_advantage",
    "AssembledCheck", "CheckTerm", "DcSource", "TermSource", "assemble_check", "level_dc",
    "stacked_modifiers",
}  # fmt: skip


def test_all_is_exactly_the_curated_list() -> None:
    assert set(py_rules.__all__) == CURATED
    assert len(py_rules.__all__) == len(CURATED)


def test_all_names_resolve() -> None:
    for name in py_rules.__all__:
        assert getattr(py_rules, name) is not None
