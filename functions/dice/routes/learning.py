"""The learning loop: challenges that prefer due lexemes, answers recorded as FSRS reviews
(auto-graded or graded by the gm), practice reviews and a challenge's check odds."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from uuid import UUID

from fastapi import APIRouter

from functions.common.errors import ApiError
from functions.dice.db import Conn, retry_as_caller
from functions.dice.deps import CallerDep, DbDep
from functions.dice.familiarity import challenge_familiarity
from functions.dice.learning import Review, accepted_forms, create_challenge, record
from functions.dice.models.learning import (
    AnswerCreate,
    ChallengeCreate,
    ChallengeLexemePublic,
    ChallengeOddsCreate,
    ChallengeOddsPublic,
    ChallengePublic,
    GradeCreate,
    ParametersPublic,
    PracticeCreate,
    ReviewPublic,
)
from functions.dice.models.odds import CheckOddsCreate
from functions.dice.module_modifiers import module_modifiers
from functions.dice.optimizer import MIN_REVIEWS, fit, read_log, store
from functions.dice.rolling import plan_check
from functions.dice.stats import check_odds
from functions.dice.store import check_sheet, granted_modifiers
from py_rules.learning import Rating, grade_answer

__all__ = ["router"]

router = APIRouter(prefix="/learning", tags=["learning"])

ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"description": "Bad body, or a challenge that is not the caller's"},
    401: {"description": "No valid signed-in user's token"},
    403: {"description": "Not the challenge's player (answers) or a gm of its campaign (grades)"},
    404: {"description": "No lexeme to draw, or an unreadable lexeme"},
    409: {"description": "This lexeme of the challenge was already reviewed"},
}


def _caller_id(caller: CallerDep) -> UUID:
    return UUID(str(caller.claims["sub"]))


async def _recorded(
    pool: DbDep, caller: CallerDep, review: Callable[[Conn], Awaitable[Review]]
) -> ReviewPublic:
    """The review `review` names, recorded in one dice-service transaction as the caller."""

    async def work(conn: Conn) -> ReviewPublic:
        return await record(conn, await review(conn))

    return await retry_as_caller(pool, caller, work, roll_source=True)


@router.post(
    "/challenges",
    status_code=201,
    summary="Draw a language challenge",
    description=(
        "Draws `n` lexemes of the campaign's content (and `cefr` level) for the caller: due "
        "reviews first (most overdue first), then lexemes never reviewed, then the rest. "
        "Answers are asked by gloss; the lemma is revealed once answered."
    ),
    responses=ERRORS,
)
async def post_challenge(body: ChallengeCreate, caller: CallerDep, pool: DbDep) -> ChallengePublic:
    async def work(conn: Conn) -> ChallengePublic:
        challenge_id, rows = await create_challenge(conn, body)
        return ChallengePublic(
            id=challenge_id,
            campaign_id=body.campaign_id,
            cefr=body.cefr,
            lexemes=[
                ChallengeLexemePublic(
                    lexeme_id=r["lexeme_id"],
                    gloss=r["gloss"],
                    part_of_speech=r["part_of_speech"],
                    cefr=r["cefr_level"],
                    audio_path=r["audio_path"],
                )
                for r in rows
            ],
        )

    return await retry_as_caller(pool, caller, work, roll_source=True)


@router.post(
    "/challenges/{challenge_id}/answers",
    status_code=201,
    summary="Answer one lexeme of your challenge (auto-graded)",
    description=(
        "Grades the answer against the lemma and its inflected forms, case- and accent-tolerant "
        "per language (Good; accents only wrong: Hard; else Again), and records it as an FSRS "
        "review scheduled by the fsrs package."
    ),
    responses=ERRORS,
)
async def post_answer(
    challenge_id: UUID, body: AnswerCreate, caller: CallerDep, pool: DbDep
) -> ReviewPublic:
    async def review(conn: Conn) -> Review:
        language, forms = await accepted_forms(conn, body.lexeme_id)
        return Review(
            learner=_caller_id(caller),
            lexeme_id=body.lexeme_id,
            source="answer",
            rating=grade_answer(body.answer, forms, language),
            challenge_id=challenge_id,
            answer=body.answer,
            review_duration_ms=body.review_duration_ms,
            expected=forms,
        )

    return await _recorded(pool, caller, review)


async def _challenge_player(conn: Conn, challenge_id: UUID) -> UUID:
    async with conn.cursor() as cur:
        await cur.execute(
            "select user_id from public.learning_challenges where id = %s", (challenge_id,)
        )
        row = await cur.fetchone()
    if row is None:
        raise ApiError(403, "42501", "Not a challenge of your campaign")
    return UUID(str(row[0]))


@router.post(
    "/challenges/{challenge_id}/grades",
    status_code=201,
    summary="Grade a player's answer as the gm (Again/Hard/Good/Easy)",
    description=(
        "A gm of the challenge's campaign rates the player's answer for one of its lexemes; it "
        "is recorded as the player's FSRS review (graded_by: the gm)."
    ),
    responses=ERRORS,
)
async def post_grade(
    challenge_id: UUID, body: GradeCreate, caller: CallerDep, pool: DbDep
) -> ReviewPublic:
    async def review(conn: Conn) -> Review:
        return Review(
            learner=await _challenge_player(conn, challenge_id),
            lexeme_id=body.lexeme_id,
            source="gm",
            rating=Rating[body.rating.upper()],
            challenge_id=challenge_id,
        )

    return await _recorded(pool, caller, review)


@router.post(
    "/reviews",
    status_code=201,
    summary="Record a self-rated practice review",
    description=(
        "The caller rates their own recall of a lexeme outside a challenge; scheduled and "
        "counted for XP and the streak like any review."
    ),
    responses=ERRORS,
)
async def post_practice(body: PracticeCreate, caller: CallerDep, pool: DbDep) -> ReviewPublic:
    async def review(_: Conn) -> Review:
        return Review(
            learner=_caller_id(caller),
            lexeme_id=body.lexeme_id,
            source="practice",
            rating=Rating[body.rating.upper()],
            review_duration_ms=body.review_duration_ms,
        )

    return await _recorded(pool, caller, review)


@router.post(
    "/parameters",
    summary="Fit the caller's FSRS parameters to their review log",
    description=(
        "Fits the 21 FSRS weights to the caller's own review log (the Rust FSRS optimizer) and "
        "stores them in `learner_settings.fsrs_parameters`; every later review of theirs is "
        f"scheduled with them. Needs {MIN_REVIEWS} reviews (409 `not_enough_reviews` before)."
    ),
    responses=ERRORS | {409: {"description": "Fewer reviews than the optimizer needs"}},
)
async def post_parameters(caller: CallerDep, pool: DbDep) -> ParametersPublic:
    learner = _caller_id(caller)

    async def logged(conn: Conn) -> list[Any]:
        return await read_log(conn, learner)

    log = await retry_as_caller(pool, caller, logged)
    parameters = await fit(log)  # outside any transaction: it may take a while

    async def stored(conn: Conn) -> ParametersPublic:
        at = await store(conn, parameters)
        return ParametersPublic(parameters=parameters, reviews=len(log), optimized_at=at)

    return await retry_as_caller(pool, caller, stored, roll_source=True)


@router.post(
    "/odds",
    summary="Odds of a language check, familiarity included",
    description=(
        "The chance to pass the character's language check as POST /rolls would assemble it: "
        "sheet, campaign DCs, granted modifiers, the equipped items of the campaign's enabled "
        "game modules and, with `check.challenge_id`, the familiarity bonus of the challenge's "
        "lexemes."
    ),
    responses=ERRORS,
)
async def post_odds(
    body: ChallengeOddsCreate, caller: CallerDep, pool: DbDep
) -> ChallengeOddsPublic:
    check = body.check

    async def work(conn: Conn) -> ChallengeOddsPublic:
        sheet = await check_sheet(conn, body.character_id, body.campaign_id, check.language)
        grants = await granted_modifiers(
            conn, body.character_id, check.ability, check.granted_modifiers
        )
        familiarity = None
        if check.challenge_id is not None:
            familiarity = await challenge_familiarity(conn, check.challenge_id, body.campaign_id)
        modules = await module_modifiers(conn, body.character_id, check.ability.value)
        plan = plan_check(check, sheet, grants, familiarity, modules)
        assert plan.breakdown is not None
        odds = check_odds(
            CheckOddsCreate(dc=plan.dc, modifier=plan.modifier, advantage=check.advantage)
        )
        return ChallengeOddsPublic(odds=odds, breakdown=plan.breakdown)

    return await retry_as_caller(pool, caller, work)
