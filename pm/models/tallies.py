"""小区计数: per compound, the counts the county's and street's home pages and the coverage report show, kept by
the writers that change them (pm.services.tallies) instead of being counted on every view."""
from __future__ import annotations

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from pm.extensions import db

TALLY_COLUMNS = ("fund_due", "fund_unpaid", "fund_low", "repairs_waiting", "repairs_open", "repairs_completed")


class CompoundTally(db.Model):
    """One compound's counts, moved by atomic increments in the transaction of every change they count; a missing
    row means all zero (rows are created on first use). `flask pm tallies recount --check` compares them with a
    recount of the rows themselves."""

    __tablename__ = "compound_tallies"
    __table_args__ = tuple(CheckConstraint(f"{c} >= 0", name=f"{c}_not_negative") for c in TALLY_COLUMNS)

    compound_id: Mapped[int] = mapped_column(ForeignKey("compounds.id", ondelete="CASCADE"), primary_key=True)
    # Open sub-accounts with a first deposit due (what 追缴 and 续交 are shares of), and of those the ones whose
    # first deposit is not paid in full (追缴: due > 首期已交); due − unpaid is "first deposit paid".
    fund_due: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    fund_unpaid: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    # 续交: of those, the ones with something paid towards the first deposit and a balance below 30% of it.
    fund_low: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    # Repair requests waiting for the station (submitted, accepted), open (not yet completed), completed (waiting
    # for the filer's confirmation).
    repairs_waiting: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    repairs_open: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    repairs_completed: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")

    def __repr__(self) -> str:
        return f"<CompoundTally c{self.compound_id} {[getattr(self, c) for c in TALLY_COLUMNS]}>"
