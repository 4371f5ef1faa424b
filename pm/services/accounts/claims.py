"""认领账号: owner and resident accounts are claimed by the person, never made by an official.

An official issues a one-time invitation for a person of the registry who owns or lives in a household in the
official's scope — a printed letter with a code and a QR code, or a code sent by SMS to the phone on the
registry. The person opens /claim, types the code (and, for an SMS code, the phone), chooses a username (or
uses the phone) and sets their own password. One login per person: a second invitation for a person who has
claimed their account is refused, unless it comes from another official's scope, in which case claiming it adds
that scope to the same account (AccountGrant) instead of making a second login. Officials may disable such an
account or send a reset code to the registered phone; they never set its password.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select

from pm.access import Scope, authorise, scope_for
from pm.errors import Conflict, DomainError, Forbidden
from pm.extensions import db
from pm.models import (
    AccountGrant,
    ClaimCode,
    ClaimMethod,
    ClaimPurpose,
    Community,
    Household,
    Ownership,
    Person,
    Residency,
    Role,
    Station,
    User,
)
from pm.models.accounts import NODE_COLUMNS, PERSON_ROLES
from pm.services import audit
from pm.services.accounts import codes
from pm.services.accounts.bindings import BINDING_MODELS
from pm.services.accounts.hashing import hash_password
from pm.services.accounts.loginnames import check_login_names
from pm.services.accounts.passwords import check_password_policy, permit_manage
from pm.services.accounts.sessions import new_session_token, revoke_everywhere
from pm.services.accounts.throttle import clear_account
from pm.services.sms import send_sms
from pm.services.text import is_mobile
from pm.timeutil import utcnow

logger = logging.getLogger(__name__)

Node = tuple[str, int]  # (a NODE_COLUMNS column, the node's id)


@dataclass
class Issued:
    """An invitation just issued: the row, and the code in clear (a letter's is printed; never stored)."""

    invitation: ClaimCode
    code: str | None  # None for SMS (the code went to the phone)
    households: list[Household]


def issuing_node(scope: Scope, actor: User | None, node: Node | None) -> Node:
    """The node an invitation is issued from: the official's own binding; SYSTEM (the demo loader) names one."""
    if scope.is_system:
        if node is None or node[0] not in NODE_COLUMNS:
            raise DomainError("请指定邀请所属的单位", field="node")
        return node
    column = {Role.COUNTY_ADMIN: "county_id", Role.STREET_OFFICER: "street_id",
              Role.COMMUNITY_WORKER: "community_id", Role.STATION_MANAGER: "station_id"}.get(actor.role)
    if column is None:
        raise Forbidden("您的角色无权进行此操作")
    return column, getattr(actor, column)


def place_of(row) -> object | None:
    """The tree node an invitation or grant sits under, for its audit rows (a station: its community)."""
    for column in NODE_COLUMNS:
        node_id = getattr(row, column)
        if node_id is not None:
            node = db.session.get(BINDING_MODELS[column], node_id)
            return db.session.get(Community, node.community_id) if isinstance(node, Station) else node
    return None


def _node_scope(node: Node) -> Scope:
    """The scope of the node an invitation was issued from: what an official bound there sees."""
    column, node_id = node
    role = {"county_id": Role.COUNTY_ADMIN, "street_id": Role.STREET_OFFICER, "community_id": Role.COMMUNITY_WORKER,
            "station_id": Role.STATION_MANAGER, "compound_id": Role.COMMITTEE_MEMBER}[column]
    probe = User(id=-1, role=role)
    setattr(probe, column, node_id)
    return scope_for(probe)


def homes_in(scope: Scope, person_id: int) -> tuple[Role | None, list[Household]]:
    """The role the person's account has (owner if they own a home there, else resident) and their current
    homes in the scope."""
    visible = Household.id.in_(scope.visible_households) if not scope.is_system else True
    owned = list(db.session.scalars(select(Household).join(Ownership, Ownership.household_id == Household.id).where(
        Ownership.person_id == person_id, Ownership.ended_on.is_(None), visible).order_by(Household.id)))
    lived = list(db.session.scalars(select(Household).join(Residency, Residency.household_id == Household.id).where(
        Residency.person_id == person_id, Residency.ended_on.is_(None), visible).order_by(Household.id)))
    homes = owned + [h for h in lived if h not in owned]
    if owned:
        return Role.OWNER, homes
    return (Role.RESIDENT, homes) if lived else (None, [])


def account_of(person_id: int) -> User | None:
    return db.session.scalar(select(User).where(User.person_id == person_id))


def _already_sees(user: User, homes: list[Household]) -> bool:
    mine = set(db.session.scalars(scope_for(user).household_ids))
    return all(h.id in mine for h in homes)


def issue_invitation(scope: Scope, actor: User | None, person_id: int, method: ClaimMethod | str, *,
                     node: Node | None = None, claim_url: str = "/claim", now: datetime | None = None) -> Issued:
    """Invite a person of the registry with a home in the caller's scope to claim their account."""
    now = now or utcnow()
    authorise(scope, actor, "accounts.invite")
    try:
        method = ClaimMethod(method)
    except ValueError:
        raise DomainError("请选择邀请方式：邀请函或短信", field="method") from None
    node = issuing_node(scope, actor, node)
    person = scope.get(Person, person_id) if not scope.is_system else db.session.get(Person, person_id)
    if person is None:
        raise DomainError("人员不存在", field="person_id")
    if person.is_organisation:
        raise DomainError("单位产权人不能认领个人账号", field="person_id")
    role, homes = homes_in(_node_scope(node) if scope.is_system else scope, person.id)
    if role is None:
        raise DomainError("该人员在您的辖区内没有现住或拥有的房屋", field="person_id")
    existing = account_of(person.id)
    if existing is not None and existing.claimed_at is not None and _already_sees(existing, homes):
        raise Conflict("%(name)s 已经认领了自己的账号（%(username)s），不能再发邀请；如忘记密码，请发送重设验证码",
                       field="person_id", name=person.name, username=existing.username)
    invitation = ClaimCode(purpose=ClaimPurpose.CLAIM, method=method, person_id=person.id, role=role,
                           issued_by_id=actor.id if actor is not None else None, attempts=0, created_at=now)
    setattr(invitation, node[0], node[1])
    code = None
    if method == ClaimMethod.LETTER:
        invitation.lookup, invitation.secret_hash, code = codes.unique_lookup()
        invitation.expires_at = now + timedelta(days=current_app.config["CLAIM_LETTER_DAYS"])
    else:
        if not is_mobile(person.phone):
            raise DomainError("台账中没有该人员的手机号，请改用邀请函", field="method")
        invitation.phone = person.phone
        invitation.secret_hash, sms_code = codes.new_sms_code()
        minutes = current_app.config["CLAIM_SMS_MINUTES"]
        invitation.expires_at = now + timedelta(minutes=minutes)
    # Earlier unused invitations of this person from the same node end: one live invitation at a time.
    for old in db.session.scalars(select(ClaimCode).where(
            ClaimCode.person_id == person.id, ClaimCode.purpose == ClaimPurpose.CLAIM, ClaimCode.used_at.is_(None),
            ClaimCode.revoked_at.is_(None), getattr(ClaimCode, node[0]) == node[1])):
        old.revoked_at = now
    db.session.add(invitation)
    db.session.flush()
    if method == ClaimMethod.SMS:
        send_sms(person.phone, _sms_text("认领", sms_code, minutes, claim_url))
    audit.record("claim.issue", invitation, actor=actor, place=place_of(invitation),
                 changes={"person_id": person.id, "method": method.value, "role": role.value, node[0]: node[1]})
    return Issued(invitation, code, homes)


def _sms_text(what: str, code: str, minutes: int, url: str) -> str:
    if what == "认领":
        return (f"您的账号认领验证码为 {code}，{minutes} 分钟内有效。请在 {url} 输入验证码并设置您自己的密码。"
                "工作人员不会向您索要验证码或密码。")
    return (f"您的重设密码验证码为 {code}，{minutes} 分钟内有效。请在 {url} 输入并设置新密码。"
            "如非本人申请，请忽略本短信。")


def _login_names(username: str, person: Person, user_id: int | None) -> tuple[str, str | None]:
    """The username and phone the claimed account gets (pm.services.accounts.loginnames): the person's mobile
    as a second login name unless another account already has it."""
    phone = person.phone if is_mobile(person.phone) else None
    try:
        return check_login_names(username, phone, user_id=user_id)
    except DomainError as err:
        if phone is None or "phone" not in err.fields:
            raise
    return check_login_names(username, None, user_id=user_id)


def _username(typed: str | None, person: Person) -> str:
    username = (typed or "").strip()
    if not username:
        if not is_mobile(person.phone):
            raise DomainError("请设置一个用户名", field="username")
        return person.phone
    if not (3 <= len(username) <= 64) or not all(ch.isascii() and (ch.isalnum() or ch in "_.-") for ch in username):
        raise DomainError("用户名为 3 到 64 位字母、数字、点、横线或下划线", field="username")
    if username.isdigit() and username != person.phone:  # a number is a phone: only one's own may be a login
        raise DomainError("用户名不能是数字（可以不填，用您登记的手机号登录）", field="username")
    return username


@dataclass
class Claimed:
    user: User
    new_account: bool  # False: the invitation added homes to the person's existing account


def claim(code: str | None, *, username: str | None, password: str, phone: str | None = None,
          now: datetime | None = None, tell_phone: bool = True) -> Claimed:
    """The person claims their account with an invitation code and sets their own password (the code is the
    authority: this runs without a login). `tell_phone=False` only for the demo loader (its phones are made up)."""
    now = now or utcnow()
    invitation = codes.check_code(code, purpose=ClaimPurpose.CLAIM, phone=phone, now=now)
    person = db.session.get(Person, invitation.person_id)
    existing = db.session.scalar(select(User).where(User.person_id == person.id).with_for_update())
    adds_to_claimed = existing is not None and existing.claimed_at is not None
    if not adds_to_claimed:
        username, login_phone = _login_names(_username(username, person), person,
                                             existing.id if existing is not None else None)
        check_password_policy(password or "", invitation.role)
    codes.spend(invitation, now)
    if adds_to_claimed:
        user = existing
        if invitation.role == Role.OWNER and user.role == Role.RESIDENT:
            user.role = Role.OWNER
    else:
        if existing is not None:  # an account an official made: whatever it had ends now
            revoke_everywhere(existing, actor=None, reason="claimed", now=now)
        user = existing or User(person_id=person.id, created_at=now, session_token=new_session_token())
        user.username, user.display_name, user.role = username, person.name, invitation.role
        user.phone = login_phone
        user.password_hash = hash_password(password)
        user.is_enabled, user.claimed_at, user.failed_logins, user.locked_until = True, now, 0, None
        db.session.add(user)
    db.session.flush()
    grant = AccountGrant(user_id=user.id, claim_code_id=invitation.id, created_at=now)
    for column in NODE_COLUMNS:
        setattr(grant, column, getattr(invitation, column))
    db.session.add(grant)
    invitation.user_id = user.id
    db.session.flush()
    audit.record("user.claim", user, actor=user, place=place_of(invitation),
                 changes={"invitation": invitation.id, "person_id": person.id, "role": user.role.value,
                          "new_account": not adds_to_claimed})
    logger.info("account %r claimed by its person with invitation %s", user, invitation.id)
    if tell_phone and invitation.method == ClaimMethod.LETTER and is_mobile(person.phone):
        # Whoever held the letter claimed it: the phone on the registry hears of it, so a claim the person did
        # not make is noticed (the station can then disable the account and send a reset code to this phone).
        send_sms(person.phone, f"您的账号（用户名 {user.username}）已用邀请函认领。如非本人操作，请立即联系服务站或社区。")
    return Claimed(user, not adds_to_claimed)


def send_reset_code(scope: Scope, actor: User | None, user: User, *, reset_url: str = "/claim/reset",
                    now: datetime | None = None) -> ClaimCode:
    """An official sends a password-reset code to the phone on the registry of a claimed owner or resident."""
    now = now or utcnow()
    authorise(scope, actor, "accounts.invite")
    permit_manage(scope, actor, user)
    if user.role not in PERSON_ROLES:
        raise DomainError("只有业主和住户的账号使用验证码重设密码", field="user_id")
    if user.claimed_at is None:
        raise DomainError("该账号尚未由本人认领，请向本人发放认领邀请", field="user_id")
    person = db.session.get(Person, user.person_id)
    if person is None or not is_mobile(person.phone):
        raise DomainError("台账中没有该人员的手机号，请发放认领邀请函", field="user_id")
    minutes = current_app.config["CLAIM_SMS_MINUTES"]
    hashed, sms_code = codes.new_sms_code()
    row = ClaimCode(purpose=ClaimPurpose.RESET, method=ClaimMethod.SMS, person_id=person.id, role=user.role,
                    user_id=user.id, phone=person.phone, secret_hash=hashed, attempts=0, created_at=now,
                    expires_at=now + timedelta(minutes=minutes), issued_by_id=actor.id if actor else None)
    db.session.add(row)
    db.session.flush()
    send_sms(person.phone, _sms_text("重设", sms_code, minutes, reset_url))
    audit.record("claim.reset_code", user, actor=actor, changes={"code": row.id},
                 place=_grant_place(user))
    return row


def _grant_place(user: User):
    grant = db.session.scalar(select(AccountGrant).where(AccountGrant.user_id == user.id).order_by(AccountGrant.id))
    return place_of(grant) if grant is not None else None


def reset_password(code: str | None, *, phone: str | None, password: str, now: datetime | None = None) -> User:
    """The person sets a new password with the reset code sent to their phone (their sessions end)."""
    now = now or utcnow()
    row = codes.check_code(code, purpose=ClaimPurpose.RESET, phone=phone, now=now)
    user = db.session.get(User, row.user_id)
    if user is None or user.person_id != row.person_id:
        raise DomainError("验证码不正确或已失效", field="code")
    check_password_policy(password or "", user.role)
    codes.spend(row, now)
    user.password_hash = hash_password(password)
    db.session.flush()
    audit.record("user.password", user, actor=user, changes={"password": ["***", "***"], "reset_code": row.id},
                 place=_grant_place(user))
    revoke_everywhere(user, actor=user, reason="password", now=now)  # every login and token of the account ends
    clear_account(user)
    return user


def grants_of(user: User) -> list[tuple[str, str]]:
    """The nodes a person-bound account was granted, as (kind, name)."""
    out = []
    for grant in db.session.scalars(select(AccountGrant).where(AccountGrant.user_id == user.id)
                                    .order_by(AccountGrant.id)):
        for column in NODE_COLUMNS:
            if getattr(grant, column) is not None:
                node = db.session.get(BINDING_MODELS[column], getattr(grant, column))
                out.append((column, node.name if node is not None else "?"))
    return out


def invitations_of(scope: Scope, person_id: int) -> list[ClaimCode]:
    """A person's invitations and reset codes in scope, newest first (for the official's page)."""
    return list(db.session.scalars(scope.select(ClaimCode).where(ClaimCode.person_id == person_id)
                                   .order_by(ClaimCode.id.desc()).limit(20)))

