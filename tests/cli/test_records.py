"""Export rows and the whole-millisecond sink, without a network."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal

from record_helpers import deposit, history_trade, withdrawal_record

from okxasync._cli._records import Sink, columns, open_writer, to_row
from okxasync.models import Deposit, DepositState, HistoryTrade, WithdrawalRecord, WithdrawalState

STAMPS = [9, 9, 7, 7, 7, 5, 4, 4]  # newest first, with shared milliseconds


def deposits() -> list[Deposit]:
    return [
        deposit(ts_ms=ts, dep_id=str(100 - i), amt=Decimal("1E-8"), state=DepositState("99"))
        for i, ts in enumerate(STAMPS)
    ]


def sink_on(stream: io.StringIO) -> Sink:
    cols = columns(Deposit)
    return Sink(open_writer("jsonl", stream, [n for _, n in cols], False), stream, cols)


def test_rows_are_exact_text_with_iso_times() -> None:
    trade = history_trade(ts_ms=1_710_326_102_000, trade_ts_ms=1, px=Decimal("3981.2672"))
    row = to_row(trade, columns(HistoryTrade))
    assert row["ts"] == "2024-03-13T10:35:02.000Z"
    assert row["trade_ts"] == "1970-01-01T00:00:00.001Z"
    assert row["px"] == "3981.2672"
    assert row["side"] == "sell"  # the API's code, not the name
    deposit = to_row(deposits()[0], columns(Deposit))
    assert deposit["amt"] == "0.00000001"  # never scientific notation
    assert deposit["state"] == "99"  # a state this release does not know: the raw code
    assert "from" in deposit


def test_csv_header_and_empty_cells() -> None:
    stream = io.StringIO()
    cols = columns(WithdrawalRecord)
    write = open_writer("csv", stream, [n for _, n in cols], header=True)
    write(to_row(withdrawal_record(ts_ms=0, state=WithdrawalState.CANCELED), cols))
    rows = list(csv.DictReader(io.StringIO(stream.getvalue())))
    assert rows[0]["ts"] == "1970-01-01T00:00:00.000Z"
    assert (rows[0]["tag"], rows[0]["client_id"]) == ("", "")
    assert rows[0]["state"] == "-2"


def test_complete_iteration_writes_everything() -> None:
    stream = io.StringIO()
    sink = sink_on(stream)
    for record in deposits():
        sink.add(record, record.ts_ms)
    sink.finish()
    assert [json.loads(line)["dep_id"] for line in stream.getvalue().splitlines()] == [
        str(100 - i) for i in range(len(STAMPS))
    ]
    assert (sink.written, sink.oldest_ms) == (len(STAMPS), 4)


def test_interruption_keeps_whole_milliseconds_only() -> None:
    for cut in range(len(STAMPS) + 1):  # interrupted after `cut` records arrived
        stream = io.StringIO()
        sink = sink_on(stream)
        for record in deposits()[:cut]:
            sink.add(record, record.ts_ms)
        sink.abandon()
        written = [json.loads(line) for line in stream.getvalue().splitlines()]
        assert len(written) == sink.written
        if sink.oldest_ms is None:
            assert written == []
            continue
        # Every record at or after the resume point is in the file, none before it.
        assert len(written) == sum(1 for ts in STAMPS if ts >= sink.oldest_ms)
        assert sink.oldest_ms in STAMPS[:cut]
