import pytest

from py_rules.checks.degrees import Degree, degree_of_success


@pytest.mark.parametrize(
    ("total", "natural", "degree"),
    [
        (25, 10, Degree.CRITICAL_SUCCESS),
        (15, 10, Degree.SUCCESS),
        (14, 10, Degree.FAILURE),
        (5, 5, Degree.CRITICAL_FAILURE),
        (14, 20, Degree.SUCCESS),
        (25, 20, Degree.CRITICAL_SUCCESS),
        (15, 1, Degree.FAILURE),
        (4, 1, Degree.CRITICAL_FAILURE),
    ],
)
def test_degree_of_success_against_dc_15(total: int, natural: int, degree: Degree) -> None:
    assert degree_of_success(total, 15, natural) is degree


def test_degree_passed_for_success_and_better() -> None:
    assert Degree.SUCCESS.passed
    assert not Degree.FAILURE.passed
