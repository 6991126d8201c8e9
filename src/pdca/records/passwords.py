"""Password hashes (Argon2id, argon2-cffi's defaults: RFC 9106 low-memory profile)."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from pdca.errors import InputError

HASHER = PasswordHasher()
MIN_LENGTH = 8
"""Shortest password accepted (NIST SP 800-63B's minimum for a chosen secret)."""
MAX_LENGTH = 1024
"""Longest password accepted (hashing is bounded)."""


def check_password_rules(password: str) -> None:
    """Refuse a password that is too short or too long (one-line ``InputError``)."""
    if len(password) < MIN_LENGTH:
        raise InputError(
            f"the password is shorter than {MIN_LENGTH} characters", "choose a longer one"
        )
    if len(password) > MAX_LENGTH:
        raise InputError(f"the password is longer than {MAX_LENGTH} characters", "shorten it")


def hash_password(password: str) -> str:
    check_password_rules(password)
    return HASHER.hash(password)


DUMMY_HASH = HASHER.hash("not a password of anyone")
"""Verified against when the account does not exist, so that the answer takes as long."""


def verify_password(stored: str | None, password: str) -> bool:
    """Whether ``password`` matches ``stored`` (None: an unknown account; still hashes once)."""
    if len(password) > MAX_LENGTH:
        return False
    try:
        return HASHER.verify(stored or DUMMY_HASH, password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    return HASHER.check_needs_rehash(stored)
