"""账号: user accounts, their role and the node of the tree (or person) they are bound to; API tokens."""
from __future__ import annotations

import enum
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pm.extensions import db
from pm.models.registry import Community, Compound, County, Person, StreetOffice
from pm.models.stations import Station
from pm.models.types import UTCDateTime, str_enum
from pm.timeutil import utcnow


class Role(enum.StrEnum):
    """Roles, each bound to one kind of node (see BINDING)."""

    COUNTY_ADMIN = "county_admin"  # 县城管委/住建 管理员
    STREET_OFFICER = "street_officer"  # 街道物业管理办公室
    COMMUNITY_WORKER = "community_worker"  # 社区居委会/党支部
    STATION_MANAGER = "station_manager"  # 物业服务站站长
    STATION_STAFF = "station_staff"  # 服务站工作人员
    COMMITTEE_MEMBER = "committee_member"  # 业主委员会委员
    OWNER = "owner"  # 业主
    RESIDENT = "resident"  # 住户 (family member, tenant)


# Which column of User each role is bound through.
BINDING: dict[Role, str] = {
    Role.COUNTY_ADMIN: "county_id",
    Role.STREET_OFFICER: "street_id",
    Role.COMMUNITY_WORKER: "community_id",
    Role.STATION_MANAGER: "station_id",
    Role.STATION_STAFF: "station_id",
    Role.COMMITTEE_MEMBER: "compound_id",
    Role.OWNER: "person_id",
    Role.RESIDENT: "person_id",
}

# Higher ranks may administer accounts of lower ranks inside their scope.
RANK: dict[Role, int] = {
    Role.COUNTY_ADMIN: 80,
    Role.STREET_OFFICER: 70,
    Role.COMMUNITY_WORKER: 60,
    Role.STATION_MANAGER: 50,
    Role.STATION_STAFF: 40,
    Role.COMMITTEE_MEMBER: 30,
    Role.OWNER: 20,
    Role.RESIDENT: 10,
}

OFFICIAL_ROLES = frozenset(
    {Role.COUNTY_ADMIN, Role.STREET_OFFICER, Role.COMMUNITY_WORKER, Role.STATION_MANAGER, Role.STATION_STAFF}
)

# Accounts bound to a person of the registry: claimed by that person with a one-time code, never created or
# given a password by an official.
PERSON_ROLES = frozenset({Role.OWNER, Role.RESIDENT})


class User(UserMixin, db.Model):
    """A login. get_id() returns the id of the current login session (LoginSession), not the user id."""

    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(64))
    phone: Mapped[str | None] = mapped_column(String(20), index=True)
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[Role] = mapped_column(str_enum(Role))
    county_id: Mapped[int | None] = mapped_column(ForeignKey("counties.id"), index=True)
    street_id: Mapped[int | None] = mapped_column(ForeignKey("street_offices.id"), index=True)
    community_id: Mapped[int | None] = mapped_column(ForeignKey("communities.id"), index=True)
    station_id: Mapped[int | None] = mapped_column(ForeignKey("stations.id"), index=True)
    compound_id: Mapped[int | None] = mapped_column(ForeignKey("compounds.id"), index=True)
    # One login per person (owners and residents claim theirs: see ClaimCode).
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"), index=True, unique=True)
    is_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    # The account's auth epoch: every login session records it, and rotating it (password, role, disabling)
    # ends every session and remember-me cookie of the account at once (pm.services.accounts.sessions).
    session_token: Mapped[str] = mapped_column(String(64), unique=True)
    # Unused since migration 0008 (failed logins are throttled in login_throttles); kept for old databases.
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # When the person set their own password with an invitation code (owners and residents only).
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # 接口账号: an integration (a bank, a county dashboard), not a person: it never logs in on the web and acts only
    # through tokens limited to named capabilities (pm.services.accounts.service).
    is_service: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    county: Mapped[County | None] = relationship()
    street: Mapped[StreetOffice | None] = relationship()
    community: Mapped[Community | None] = relationship()
    station: Mapped[Station | None] = relationship()
    compound: Mapped[Compound | None] = relationship()
    person: Mapped[Person | None] = relationship()

    # The raw id of the login session this object was loaded for (set by pm.services.accounts.sessions).
    # (Plain class attributes, not columns.)
    login_token = None
    login_session = None

    def get_id(self) -> str:
        """What Flask-Login stores in the session and the remember cookie: the login session's random id
        (never the user id), so that ending that row ends the login wherever the cookie was copied."""
        return self.login_token or ""

    @property
    def is_active(self) -> bool:  # flask-login refuses disabled accounts
        return self.is_enabled

    @property
    def is_official(self) -> bool:
        return self.role in OFFICIAL_ROLES

    @property
    def is_person_bound(self) -> bool:
        """Owners and residents: accounts claimed by the person, which no official may set a password for."""
        return self.role in PERSON_ROLES

    @property
    def binding_id(self) -> int | None:
        return getattr(self, BINDING[self.role])

    def __repr__(self) -> str:
        return f"<User {self.id} {self.username} {self.role}>"


class ApiToken(db.Model):
    """A bearer token for /api/v1; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # A service account's token acts only with these capabilities (pm.access names); None: the user's role's.
    capabilities: Mapped[list | None] = mapped_column(JSON)

    user: Mapped[User] = relationship()


class LoginSession(db.Model):
    """One browser login. Its random id (only its SHA-256 is stored) is what the session and the remember-me
    cookie carry; logout, the idle timeout, its expiry or a new auth epoch of the account end it for good."""

    __tablename__ = "login_sessions"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    epoch: Mapped[str] = mapped_column(String(64))  # the account's session_token when the login began
    remember: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    end_reason: Mapped[str | None] = mapped_column(String(16))

    user: Mapped[User] = relationship()


class LoginThrottle(db.Model):
    """Failed logins counted under one key ("account:7", "name:typed", "address:10.0.0.1", "device:…"):
    after a few, each next attempt must wait twice as long as the last (capped); a success clears an account."""

    __tablename__ = "login_throttles"
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(160), unique=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failure_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    retry_after: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ClaimPurpose(enum.StrEnum):
    CLAIM = "claim"  # 认领账号: an official's invitation for a person of the registry
    RESET = "reset"  # 重设密码: a code sent to the registered phone of a claimed account


class ClaimMethod(enum.StrEnum):
    LETTER = "letter"  # a printed letter with the code and a QR code
    SMS = "sms"  # a short code sent to the phone on the registry


# The node of the tree an invitation was issued from (the inviting official's binding); an account bound to a
# person sees only its households under the nodes of its grants.
NODE_COLUMNS = ("county_id", "street_id", "community_id", "station_id", "compound_id")


class ClaimCode(db.Model):
    """A one-time code: an invitation to claim a person's account, or a password reset. Only a keyed hash of the
    secret is stored; it expires, counts wrong attempts and is used at most once (used_at)."""

    __tablename__ = "claim_codes"
    id: Mapped[int] = mapped_column(primary_key=True)
    purpose: Mapped[ClaimPurpose] = mapped_column(str_enum(ClaimPurpose))
    method: Mapped[ClaimMethod] = mapped_column(str_enum(ClaimMethod))
    lookup: Mapped[str | None] = mapped_column(String(16), unique=True)  # a letter's public half
    secret_hash: Mapped[str] = mapped_column(String(64))
    phone: Mapped[str | None] = mapped_column(String(20), index=True)  # where an SMS code went
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    role: Mapped[Role] = mapped_column(str_enum(Role))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    county_id: Mapped[int | None] = mapped_column(ForeignKey("counties.id"))
    street_id: Mapped[int | None] = mapped_column(ForeignKey("street_offices.id"))
    community_id: Mapped[int | None] = mapped_column(ForeignKey("communities.id"))
    station_id: Mapped[int | None] = mapped_column(ForeignKey("stations.id"))
    compound_id: Mapped[int | None] = mapped_column(ForeignKey("compounds.id"))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    person: Mapped[Person] = relationship()


class AccountGrant(db.Model):
    """A node of the tree whose households (those the person owns or lives in) a person-bound account may see:
    one per claimed invitation."""

    __tablename__ = "account_grants"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    claim_code_id: Mapped[int | None] = mapped_column(ForeignKey("claim_codes.id"))
    county_id: Mapped[int | None] = mapped_column(ForeignKey("counties.id"))
    street_id: Mapped[int | None] = mapped_column(ForeignKey("street_offices.id"))
    community_id: Mapped[int | None] = mapped_column(ForeignKey("communities.id"))
    station_id: Mapped[int | None] = mapped_column(ForeignKey("stations.id"))
    compound_id: Mapped[int | None] = mapped_column(ForeignKey("compounds.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
