"""The dice service's fixtures (an in-process dice app over a fresh database and its world)
for the module checks in test_modules_dice.py."""

from tests.functions.dice.conftest import (  # noqa: F401
    client,
    dice_db,
    dice_db_dsn,
    dice_url,
    world,
)
