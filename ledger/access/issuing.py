"""Issuing a token: the checks a request to issue one must pass, for the API and the CLI alike."""

from datetime import datetime, timedelta

from ledger.access.grants import FieldError, TakenError, TokenGrants
from ledger.access.policy import ROLES
from ledger.access.tokens import Principal, TokenError, TokenInfo
from ledger.errors import DomainError
from ledger.policy.service_policy import parse_duration

MAX_LIFETIME = timedelta(days=366)


class InvalidFieldError(DomainError):
    """A token request whose named field is unacceptable: 422 over HTTP, not a refused command."""


def issue_token(
    tokens: TokenGrants,
    *,
    staff_id: str,
    roles: tuple[str, ...],
    department: str | None,
    name: str | None,
    expires_in: str,
    now: datetime,
    created_by: str,
    issued_with: str | None = None,
    two_person_rule: bool,
    departments: tuple[str, ...],
) -> tuple[TokenInfo, str]:
    """Issue a token; department staff must name their department. Refusals are DomainErrors."""
    if "department_staff" in roles and not department:
        raise DomainError("department staff need a department", field="department")
    try:
        lifetime = parse_duration(expires_in, where="expires")
    except OverflowError:
        lifetime = MAX_LIFETIME * 2
    if lifetime > MAX_LIFETIME:
        raise DomainError(
            f"a token lives at most {MAX_LIFETIME.days} days; issue a new one then",
            field="expires_in",
        )
    try:
        return tokens.issue(
            Principal(staff_id=staff_id, name=name or staff_id, roles=roles, department=department),
            known_roles=ROLES,
            now=now,
            expires_at=now + lifetime,
            created_by=created_by,
            issued_with=issued_with,
            two_person_rule=two_person_rule,
            departments=departments,
        )
    except FieldError as error:
        raise InvalidFieldError(str(error), field=error.field) from None
    except TakenError as error:
        raise DomainError(str(error), field=error.field) from None
    except TokenError as error:
        raise DomainError(str(error)) from None
