"""Every input format the engine reads, uploaded through the gRPC API and profiled by a processor."""

from __future__ import annotations

import gzip
import zipfile
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from sluice.client import SluiceClient
from sluice.v1 import job_pb2

STATE = job_pb2.JobState

FRAME = pd.DataFrame(
    {
        "id": [1, 2, 3, 4, 5],
        "city": ["Oslo", "Lima", "Zürich", "Oslo", None],
        "temp": [3.5, 19.0, None, 4.25, 12.0],
    }
)


def _csv(path: Path) -> None:
    FRAME.to_csv(path, index=False)


def _gzip(path: Path) -> None:
    path.write_bytes(gzip.compress(FRAME.to_csv(index=False).encode()))


def _zip(path: Path) -> None:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("cities.csv", FRAME.to_csv(index=False))


def _tsv_utf16(path: Path) -> None:
    path.write_bytes(FRAME.to_csv(index=False, sep="\t").encode("utf-16"))


def _latin1(path: Path) -> None:
    path.write_bytes(FRAME.to_csv(index=False, sep=";").encode("cp1252"))


def _jsonl(path: Path) -> None:
    FRAME.to_json(path, orient="records", lines=True)


def _parquet(path: Path) -> None:
    FRAME.to_parquet(path, index=False)


def _xlsx(path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(list(FRAME.columns))
    for row in FRAME.itertuples(index=False):
        sheet.append([None if pd.isna(v) else v for v in row])
    book.save(path)


CASES: list[tuple[str, Callable[[Path], None], dict[str, str]]] = [
    ("cities.csv", _csv, {"format": "csv", "delimiter": ","}),
    ("cities.csv.gz", _gzip, {"format": "csv", "compression": "gzip"}),
    ("cities.zip", _zip, {"format": "csv", "compression": "zip", "member": "cities.csv"}),
    ("cities.tsv", _tsv_utf16, {"format": "tsv", "delimiter": "\t"}),
    ("cities-latin1.csv", _latin1, {"format": "csv", "delimiter": ";", "encoding": "cp1252"}),
    ("cities.jsonl", _jsonl, {"format": "jsonl"}),
    ("cities.parquet", _parquet, {"format": "parquet"}),
    ("cities.xlsx", _xlsx, {"format": "xlsx"}),
]


@pytest.mark.parametrize(("name", "write", "parse"), CASES, ids=[c[0] for c in CASES])
def test_each_format_is_profiled(client: SluiceClient, tmp_path: Path, name: str, write, parse: dict[str, str]):
    path = tmp_path / name
    write(path)
    job = client.upload(path).job
    final = client.wait(job.id, timeout=60)
    assert final.state == STATE.Value("JOB_STATE_SUCCEEDED"), final.error.message
    profile = client.get_profile(job.id)
    assert profile.row_count == 5 and profile.column_count == 3
    for field, value in parse.items():
        assert getattr(profile.parse, field) == value, (field, profile.parse)
    columns = {c.name: c for c in client.list_columns(job.id)}
    assert list(columns) == ["id", "city", "temp"]
    assert columns["id"].inferred_type == "integer" and (columns["id"].min, columns["id"].max) == ("1", "5")
    assert columns["city"].missing == 1 and columns["city"].distinct == 3  # "Zürich" decoded in every encoding
    assert "Zürich" in {v.value for v in columns["city"].top_values}
    assert columns["temp"].inferred_type == "float" and columns["temp"].mean == pytest.approx(FRAME["temp"].mean())


def test_a_gzip_file_cut_short_fails_at_once_with_the_reason(client: SluiceClient, tmp_path: Path):
    """Damage found past the first MiB, while the chunks are read (on the read-ahead thread): gzip's own EOFError
    was a processor defect, the job retried to the dead letter. It is the file's fault, said once."""
    path = tmp_path / "orders.csv.gz"
    path.write_bytes(gzip.compress(b"id,qty\n" + b"".join(b"%d,%d\n" % (i, i % 9) for i in range(400_000)))[:-200])
    job = client.upload(path).job
    failed = client.wait(job.id, timeout=60)
    assert failed.state == STATE.Value("JOB_STATE_FAILED")
    assert (failed.error.reason, failed.error.retryable, failed.attempt) == ("NOT_A_TABLE", False, 1)
    assert failed.error.message.startswith("The gzip file is damaged: Compressed file ended before")


AMBIGUOUS_DATES = "shipped,units\n03/04/2020,5\n11/02/2021,7\n01/12/2020,2\n"


@pytest.mark.parametrize(
    ("date_order", "first", "last"),
    [
        (job_pb2.DATE_ORDER_UNSPECIFIED, "2020-01-12", "2021-11-02"),  # month first, as pandas reads them
        (job_pb2.DATE_ORDER_DAY_FIRST, "2020-04-03", "2021-02-11"),
    ],
)
def test_dates_the_sample_leaves_ambiguous_are_read_in_the_order_the_uploader_gives(
    client: SluiceClient, tmp_path: Path, date_order: int, first: str, last: str
):
    """No date shows its order (every day and month is at most 12): an uploader who knows the file is
    day first says so, and the range is the one they expect."""
    path = tmp_path / "shipments.csv"
    path.write_text(AMBIGUOUS_DATES, encoding="utf-8")
    job = client.upload(path, options=job_pb2.JobOptions(date_order=date_order)).job  # type: ignore[arg-type]
    assert job.options.date_order == date_order
    final = client.wait(job.id, timeout=60)
    assert final.state == STATE.Value("JOB_STATE_SUCCEEDED"), final.error.message
    assert final.options.date_order == date_order  # read back from the job row
    assert client.get_profile(job.id).parse.day_first is (date_order == job_pb2.DATE_ORDER_DAY_FIRST)
    shipped = {c.name: c for c in client.list_columns(job.id)}["shipped"]
    assert (shipped.inferred_type, shipped.invalid) == ("date", 0)
    assert (shipped.datetime.min[:10], shipped.datetime.max[:10]) == (first, last)


def test_a_file_in_an_encoding_the_uploader_names_is_read_in_it(client: SluiceClient, tmp_path: Path):
    """Shift JIS cannot be told from cp1252 by its bytes: detected, the names were mojibake (and the fallback
    reported). Named at upload, the file is read in it."""
    path = tmp_path / "staff.csv"
    path.write_bytes("氏名,部署,年齢\n山田太郎,営業部,34\n鈴木花子,開発部,29\n佐藤次郎,営業部,41\n".encode("shift_jis"))
    job = client.upload(path, options=job_pb2.JobOptions(encoding="Shift-JIS")).job
    assert job.options.encoding == "shift_jis"
    final = client.wait(job.id, timeout=60)
    assert final.state == STATE.Value("JOB_STATE_SUCCEEDED"), final.error.message
    parse = client.get_profile(job.id).parse
    assert (parse.encoding, parse.encoding_fallback, parse.bad_encoding_rows) == ("shift_jis", False, 0)
    columns = {c.name: c for c in client.list_columns(job.id)}
    assert list(columns) == ["氏名", "部署", "年齢"]
    assert [t.value for t in columns["部署"].top_values] == ["営業部", "開発部"]
    assert columns["年齢"].numeric.max == 41


DECIMAL_COMMA = "Artikel;Preis;Menge\nApfel;1,50;1.200\nBirne;2,25;3\nKiwi;-0,99;12\nMango;1.234,50;2\n"


@pytest.mark.parametrize(("decimal", "price_type"), [("", "float"), (".", "text")])
def test_a_decimal_comma_file_is_read_with_its_decimal_mark_or_the_one_given(
    client: SluiceClient, tmp_path: Path, decimal: str, price_type: str
):
    """A spreadsheet export of a comma-decimal locale: detected, its prices are numbers; an uploader who says
    the decimal mark is "." gets them as text, as asked."""
    path = tmp_path / "preise.csv"
    path.write_text(DECIMAL_COMMA, encoding="utf-8")
    job = client.upload(path, options=job_pb2.JobOptions(decimal=decimal)).job
    assert job.options.decimal == decimal
    final = client.wait(job.id, timeout=60)
    assert final.state == STATE.Value("JOB_STATE_SUCCEEDED"), final.error.message
    profile = client.get_profile(job.id)
    assert (profile.parse.delimiter, profile.parse.decimal) == (";", decimal or ",")
    columns = {c.name: c for c in client.list_columns(job.id)}
    assert columns["Preis"].inferred_type == price_type
    if price_type == "float":
        assert (columns["Preis"].min, columns["Preis"].max) == ("-0.99", "1234.5")
        assert columns["Preis"].mean == pytest.approx((1.5 + 2.25 - 0.99 + 1234.5) / 4)
        assert columns["Menge"].inferred_type == "integer" and columns["Menge"].max == "1200"
