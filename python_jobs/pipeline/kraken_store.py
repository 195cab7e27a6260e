"""The warehouse table kraken_top_losers: one batch of rows per kraken_losers.py --load run."""

from __future__ import annotations

from typing import Any

from .warehouse import Target, param, replace_rows

TABLE = "kraken_top_losers"
COLUMNS = ("fetched_at", "loser_rank", "pair_key", "wsname", "symbol", "base", "quote", "last", "open_utc_day",
           "price_24h_ago", "pct_change_since_utc_open", "pct_change_24h", "volume_24h", "volume_24h_usd")
DDL = """create table if not exists {relation} (
    fetched_at {ts} not null,
    loser_rank integer not null,
    pair_key varchar(32) not null,
    wsname varchar(32) not null,
    symbol varchar(32) not null,
    base varchar(16) not null,
    quote varchar(16) not null,
    last double not null,
    open_utc_day double,
    price_24h_ago double,
    pct_change_since_utc_open double,
    pct_change_24h double,
    volume_24h double not null,
    volume_24h_usd double not null,
    primary key (fetched_at, pair_key)
){suffix}"""


def append_losers(target: Target, rows: list[dict[str, Any]]) -> None:
    """Create the table when missing and append the rows, all in one transaction. A batch with the
    same fetched_at as an earlier one (two runs within a second) replaces it."""
    relation = target.relation(TABLE)
    mysql = target.is_mysql_family
    ddl = DDL.format(relation=relation, ts="datetime" if mysql else "timestamp",
                     suffix=" character set utf8mb4 collate utf8mb4_bin" if mysql else "")
    values = [tuple(row.get(c) if c != "loser_rank" else rank for c in COLUMNS)
              for rank, row in enumerate(rows, start=1)]
    insert = (f"insert into {relation} ({', '.join(COLUMNS)}) "
              f"values ({', '.join([param(target)] * len(COLUMNS))})")
    delete = f"delete from {relation} where fetched_at = {param(target)}"
    stamps = sorted({row["fetched_at"] for row in rows})
    replace_rows(target, ddl=ddl, deletes=[(delete, (stamp,)) for stamp in stamps], insert=insert, rows=values)
