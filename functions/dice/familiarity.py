"""The familiarity term of a language challenge's check: the player's memory of its lexemes.

The challenge must be the roller's own (learning_challenges, read under RLS); its lexemes'
states are read as the roller too, their retrievability comes from the fsrs package, and
py_rules.learning.familiarity_bonus maps the mean to the bonus.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from psycopg.rows import dict_row

from functions.common.errors import ApiError
from functions.dice.db import Conn
from functions.dice.scheduling import MemoryState, retrievability, scheduler_for
from py_rules.learning import familiarity_bonus

__all__ = ["Familiarity", "challenge_familiarity"]


@dataclass(frozen=True)
class Familiarity:
    challenge_id: UUID
    bonus: int
    retrievability: float | None

    @property
    def reason(self) -> str:
        """What the breakdown shows, e.g. 'mean retrievability 0.93 (docs/learning.md)'."""
        if self.retrievability is None:
            return "no lexeme of the challenge reviewed yet"
        return f"mean retrievability {self.retrievability:.2f}"


_STATES = (
    "select c.lexeme_ids, now() as now, s.fsrs_parameters, s.desired_retention,"
    " coalesce(json_agg(to_json(rs)) filter (where rs.lexeme_id is not null), '[]') as states"
    " from public.learning_challenges as c"
    " left join public.review_states as rs"
    " on rs.user_id = c.user_id and rs.lexeme_id = any(c.lexeme_ids)"
    " left join public.learner_settings as s on s.user_id = c.user_id"
    " where c.id = %s and c.user_id = auth.uid() and c.campaign_id = %s"
    " group by c.lexeme_ids, s.fsrs_parameters, s.desired_retention"
)


def _state(row: dict[str, object]) -> MemoryState:
    fields = {k: row[k] for k in MemoryState.__dataclass_fields__}
    for key in ("due", "last_review"):
        value = fields[key]
        fields[key] = datetime.fromisoformat(value) if isinstance(value, str) else value
    return MemoryState(**fields)  # type: ignore[arg-type]


async def challenge_familiarity(conn: Conn, challenge_id: UUID, campaign_id: UUID) -> Familiarity:
    """The bonus of the roller's challenge in this campaign (else 400 challenge_not_yours)."""
    async with conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(_STATES, (challenge_id, campaign_id))
        row = await cur.fetchone()
    if row is None:
        raise ApiError(
            400,
            "challenge_not_yours",
            f"Challenge {challenge_id} is not yours in this campaign",
            {"challenge_id": str(challenge_id)},
            "Draw a challenge with POST /learning/challenges and roll with its id.",
        )
    scheduler = scheduler_for(row["fsrs_parameters"], row["desired_retention"] or 0.9)
    states = {UUID(str(s["lexeme_id"])): _state(s) for s in row["states"]}
    values = [
        retrievability(scheduler, states.get(lexeme), row["now"]) for lexeme in row["lexeme_ids"]
    ]
    known = [v for v in values if v is not None]
    mean = sum(known) / len(known) if known else None
    return Familiarity(challenge_id, familiarity_bonus(values), mean)
