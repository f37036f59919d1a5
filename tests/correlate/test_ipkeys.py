"""Address keys and numbers: IPv4 strings to UInt32 once per distinct spelling."""

from __future__ import annotations

import polars as pl

from netlogs.correlate.ipkeys import with_ipv4_key


def test_keys_and_numbers_follow_the_spelling() -> None:
    addresses = ["10.2.1.4", "fd00::4", None, "10.2.1.4", "010.2.1.4", "10.2.1.5", "fd00::4"]
    frame = pl.DataFrame({"src_ip": addresses, "n": range(len(addresses))})
    keyed = with_ipv4_key(frame, "src_ip", "src_key", "src_id")
    assert keyed.columns == ["src_ip", "n", "src_key", "src_id"]
    keys = keyed.get_column("src_key").to_list()
    assert keys[0] == keys[3] == (10 << 24) + (2 << 16) + (1 << 8) + 4
    assert keys[5] == keys[0] + 1
    assert keys[1] is None and keys[2] is None  # IPv6 and null: no IPv4 key
    ids = keyed.get_column("src_id").to_list()
    # one number per distinct spelling: same string, same number; a different spelling of the
    # same address (leading zero) keeps its own number, as grouping by the string would
    assert ids[0] == ids[3] and ids[1] == ids[6] and ids[2] is None
    assert len({ids[0], ids[1], ids[4], ids[5]}) == 4
    by_number = keyed.group_by("src_id").agg(pl.col("src_ip").n_unique().alias("spellings"))
    assert by_number.get_column("spellings").max() == 1


def test_without_numbers_only_the_key_is_added() -> None:
    frame = pl.DataFrame({"caller_ip": ["192.0.2.1", "not an address"]})
    keyed = with_ipv4_key(frame, "caller_ip", "caller_key")
    assert keyed.columns == ["caller_ip", "caller_key"]
    assert keyed.get_column("caller_key").to_list() == [(192 << 24) + (2 << 8) + 1, None]
