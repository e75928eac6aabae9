"""The dice service: provably-fair rolls, checks, exact odds, seed commitment and reveal."""
