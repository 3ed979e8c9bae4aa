"""How the review renderings name a member of staff: display name beside the id, or the id."""

import pytest

from projections.incidents.review_text import who

REVIEW = {"staff_names": {"im-1": "Iris Manager"}}


@pytest.mark.parametrize(
    ("staff_id", "shown"),
    [("im-1", "Iris Manager (im-1)"), ("ghost", "ghost"), (None, "-")],
)
def test_a_staff_id_is_shown_with_its_display_name_when_the_directory_has_one(
    staff_id: str | None, shown: str
) -> None:
    assert who(REVIEW, staff_id) == shown


def test_a_review_without_names_shows_ids_alone() -> None:
    assert who({}, "im-1") == "im-1"
