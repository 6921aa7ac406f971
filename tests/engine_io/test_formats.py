"""Each supported format comes out as string chunks with the header (or column_<i>) as column names."""

from __future__ import annotations

import codecs
import gzip
import io
import json
import re
import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from unittest import mock

import openpyxl
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from reader_helpers import read_bytes, rows

from services.processor.engine import TableProfiler, options, profile_dataframe
from services.processor.engine.encoding import READ_BYTES
from services.processor.engine.reading import NotATableError, ReadOptions, open_table

PEOPLE = "name,age,city\nAda,36,London\nLinus,54,Helsinki\n"


@pytest.mark.parametrize(
    ("text", "delimiter"),
    [
        (PEOPLE, ","),
        (PEOPLE.replace(",", "\t"), "\t"),
        (PEOPLE.replace(",", ";"), ";"),
        (PEOPLE.replace(",", "|"), "|"),
    ],
)
def test_delimiters_are_sniffed(text: str, delimiter: str) -> None:
    frame, reader = read_bytes(text.encode())
    assert reader.report.delimiter == delimiter
    assert reader.report.format == ("tsv" if delimiter == "\t" else "csv")
    assert list(frame.columns) == ["name", "age", "city"]
    assert rows(frame) == [["Ada", "36", "London"], ["Linus", "54", "Helsinki"]]
    assert reader.report.rows_read == 2


def test_no_header_gets_numbered_columns() -> None:
    frame, reader = read_bytes(b"1,2.5,x\n2,3.5,y\n3,4.5,z\n")
    assert reader.report.has_header is False
    assert list(frame.columns) == ["column_1", "column_2", "column_3"]
    assert len(frame) == 3


def test_header_override() -> None:
    frame, _ = read_bytes(b"a,b\nc,d\n", has_header=False)
    assert rows(frame) == [["a", "b"], ["c", "d"]]


def test_quoted_fields_keep_delimiters_quotes_and_empty_strings() -> None:
    frame, reader = read_bytes(b'id,text,note\n1,"a, b","say ""hi"""\n2,,""\n')
    assert rows(frame) == [["1", "a, b", 'say "hi"'], ["2", "", ""]]
    assert reader.report.problem_rows == 0


def test_single_quote_char_is_sniffed() -> None:
    frame, reader = read_bytes(b"id;text\n1;'a;b'\n2;'c'\n")
    assert reader.report.quotechar == "'"
    assert rows(frame) == [["1", "a;b"], ["2", "c"]]


def test_quoted_line_breaks_are_read_and_make_the_file_unsplittable() -> None:
    frame, reader = read_bytes(b'id,text\n1,"two\nlines"\n2,x\n')
    assert rows(frame) == [["1", "two\nlines"], ["2", "x"]]
    assert reader.report.splittable is False


@pytest.mark.parametrize(
    ("data", "splittable"),
    [
        (b'id,text\r\n1,"a ""b"" c"\r\n2,mid"dle\r\n3,"x"y\r\n', True),  # every quote closes on its line
        (b'id,text\n1,mid"dle\n2,"two\nlines"\n3,x\n', False),  # a stray quote first, then a quoted break
    ],
)
def test_a_file_is_split_unless_a_quoted_field_holds_a_line_break(data: bytes, splittable: bool) -> None:
    _, reader = read_bytes(data)
    assert reader.report.splittable is splittable


def test_duplicate_and_blank_header_names() -> None:
    frame, _ = read_bytes(b"a,a,,b\n1,2,3,4\n")
    assert list(frame.columns) == ["a", "a.1", "column_3", "b"]


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (b"\xef\xbb\xbf" + "name,città\nÉmile,Zürich\n".encode(), "utf-8-sig"),
        ("name,città\nÉmile,Zürich\n".encode("utf-16"), "utf-16-le"),
        (b"\xfe\xff" + "name,città\nÉmile,Zürich\n".encode("utf-16-be"), "utf-16-be"),
    ],
)
def test_boms(data: bytes, encoding: str) -> None:
    frame, reader = read_bytes(data)
    assert reader.report.encoding == encoding
    assert reader.report.encoding_fallback is False
    assert list(frame.columns) == ["name", "città"]
    assert rows(frame) == [["Émile", "Zürich"]]


def test_latin1_falls_back_to_cp1252_and_says_so() -> None:
    frame, reader = read_bytes("name,city\nJosé,Zürich\nFrançois,Besançon \u2013 Doubs\n".encode("cp1252"))
    assert reader.report.encoding == "cp1252"
    assert reader.report.encoding_fallback is True
    assert rows(frame) == [["José", "Zürich"], ["François", "Besançon \u2013 Doubs"]]
    assert reader.report.bad_encoding_rows == 0


def test_encoding_override() -> None:
    frame, reader = read_bytes("a,b\nñ,x\n".encode("latin-1"), encoding="latin-1")
    assert rows(frame) == [["ñ", "x"]]
    assert reader.report.encoding_fallback is False


@pytest.mark.parametrize(
    ("given", "codec", "bom"),
    [
        ("utf-16", "utf-16-be", codecs.BOM_UTF16_BE),  # the byte order was lost after the first 4 MiB read
        ("utf-32", "utf-32-be", codecs.BOM_UTF32_BE),
        ("shift_jis", "shift_jis", b""),  # a character cut by the end of a read was replaced as undecodable
        ("utf-8", "utf-8", codecs.BOM_UTF8),  # the BOM stayed in the first column's name
    ],
)
def test_an_encoding_the_caller_names_reads_the_whole_file(given: str, codec: str, bom: bytes) -> None:
    """Past the transcoder's 4 MiB reads, as its first: no row lost, no character replaced, the BOM dropped."""
    name = "山田太郎" * 10
    count = 9 * 1024 * 1024 // len(f"100000,{name}\n".encode(codec))  # three reads and some
    for header in ("id,name", "id,name_"):  # the one whose first read ends inside a character, where one does
        lines = [header] + [f"{i},{name}{i % 10}" for i in range(count)]
        data = bom + "\n".join(lines).encode(codec) + "\n".encode(codec)
        if codec != "shift_jis" or not _decodes(data[:READ_BYTES], codec):
            break
    frame, reader = read_bytes(data, encoding=given)
    column = header.split(",")[1]
    assert list(frame.columns) == ["id", column] and len(frame) == count
    assert reader.report.bad_encoding_rows == 0 and reader.report.ragged_rows == 0
    assert frame[column].iloc[-1] == f"{name}{(count - 1) % 10}" and frame["id"].iloc[-1] == str(count - 1)


def _decodes(data: bytes, codec: str) -> bool:
    try:
        data.decode(codec)
    except UnicodeDecodeError:
        return False
    return True


def test_utf16_without_a_bom_in_a_script_other_than_latin_is_text() -> None:
    """Cyrillic writes few NULs in UTF-16 (only its ASCII: digits, delimiters, line breaks): refused as binary."""
    text = "id;имя;город\n" + "".join(f"{i};Иван Петров;Москва\n" for i in range(200))
    frame, reader = read_bytes(text.encode("utf-16-le"))
    assert reader.report.encoding == "utf-16-le" and reader.report.delimiter == ";"
    assert list(frame.columns) == ["id", "имя", "город"] and rows(frame)[0] == ["0", "Иван Петров", "Москва"]


def test_gzip() -> None:
    frame, reader = read_bytes(gzip.compress(PEOPLE.encode()), name="people.csv.gz")
    assert reader.report.compression == "gzip"
    assert len(frame) == 2 and list(frame.columns) == ["name", "age", "city"]
    assert reader.bytes_read == len(gzip.compress(PEOPLE.encode()))


def test_a_readme_packed_before_the_table_is_not_what_is_profiled() -> None:
    """A zip of readme.txt then data.csv profiled the README (one column, "hello world", no rows)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "hello world\nsee data.csv\n")
        archive.writestr("data.csv", PEOPLE)
    frame, reader = read_bytes(buffer.getvalue(), name="bundle.zip")
    assert reader.report.member == "data.csv" and list(frame.columns) == ["name", "age", "city"]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:  # no member named as a table: the largest
        archive.writestr("notes", "a note\n")
        archive.writestr("export", PEOPLE)
    frame, reader = read_bytes(buffer.getvalue(), name="bundle.zip")
    assert reader.report.member == "export" and len(frame) == 2


@pytest.mark.parametrize("name", ["people.csv.gz", "people.zip", "people.parquet"])
def test_a_plain_csv_misnamed_as_a_container_is_read_as_the_csv_it_is(name: str) -> None:
    """The bytes decide (each container has its magic bytes): a browser that un-gzips a download keeps its .gz
    name, and that CSV stopped the profile with gzip's own error, or was refused as a damaged zip or Parquet."""
    frame, reader = read_bytes(PEOPLE.encode(), name=name)
    assert (reader.report.format, reader.report.compression) == ("csv", "")
    assert len(frame) == 2 and list(frame.columns) == ["name", "age", "city"]


def test_zip_reads_the_first_table_member_and_reports_it() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("__MACOSX/._people.tsv", b"\x00\x05junk")
        archive.writestr("data/", b"")
        archive.writestr("data/people.tsv", PEOPLE.replace(",", "\t"))
        archive.writestr("data/other.csv", "x\n1\n")
    frame, reader = read_bytes(buffer.getvalue(), name="upload.zip")
    assert reader.report.compression == "zip"
    assert reader.report.member == "data/people.tsv"
    assert reader.report.delimiter == "\t"
    assert len(frame) == 2


def test_jsonl_nested_null_and_late_keys() -> None:
    lines = [
        {"id": 1, "price": 1.50, "tags": ["a", "b"], "meta": {"k": None, "n": 10}, "note": None},
        {"id": 2, "price": 12345678901234567890.5, "flag": True},
        {"id": 3, "note": "ü"},
    ]
    data = "\n".join(json.dumps(line, ensure_ascii=False) for line in lines).replace("1.5,", "1.50,")
    frame, reader = read_bytes(data.encode(), name="x.jsonl", chunk_rows=2)
    assert reader.report.format == "jsonl"
    assert list(frame.columns) == ["id", "price", "tags", "meta", "note", "flag"]
    assert rows(frame) == [
        ["1", "1.50", '["a","b"]', '{"k":null,"n":10}', None, None],
        ["2", "1.2345678901234567e+19", None, None, None, "true"],
        ["3", None, None, None, "ü", None],
    ]


def test_a_jsonl_key_first_seen_late_is_a_column_missing_in_the_rows_before() -> None:
    """Keys past the sample and the first chunk stopped the profile ("chunk columns differ"): the job failed
    and was retried to the dead letter. Profiled as pandas reads the file: missing before, duplicates alike."""
    lines = [{"a": i % 150, "b": i % 7} for i in range(300)]
    lines += [{"a": 5, "b": 5, "score": 1.5}, {"a": 5, "b": 5}, {"a": 7, "b": 0, "tag": "x"}, {"a": 8, "b": 1}]
    lines += [{"a": i, "b": i % 7, "score": i / 2, "tag": "y"} for i in range(50)]
    data = "".join(json.dumps(line) + "\n" for line in lines).encode()
    reader = open_table(io.BytesIO(data), file_name="x.jsonl", options=ReadOptions(chunk_rows=100, sample_bytes=1024))
    profiler = TableProfiler()
    for chunk in reader.chunks():
        profiler.update(chunk)
    profile = profiler.finish(reader.report)
    expected = pd.read_json(io.BytesIO(data), lines=True)
    assert [c.name for c in profile.column_profiles] == list(expected.columns) == ["a", "b", "score", "tag"]
    for column in profile.column_profiles:
        assert (column.count, column.missing) == (len(expected), int(expected[column.name].isna().sum()))
    assert profile.duplicate_rows == int(expected.duplicated().sum()) > 0
    assert profile.column("score").numeric is not None and profile.column("score").numeric.max == 24.5
    correlated = {(c.column_a, c.column_b) for c in profile.correlations if c.method == "pearson"}
    assert ("a", "score") in correlated  # the sample's rows from before the key have it missing


def test_jsonl_lines_longer_than_the_reader_takes_are_left_out_and_counted() -> None:
    """As in delimited text (options.MAX_LINE_BYTES, 64 KiB here): a 100 MB line peaked at 900 MiB. One line ends
    in the read that holds its start, one runs on across 4 MiB reads, and the last has no line break."""
    data = (
        b'{"a": 1}\n{"a": "'
        + b"x" * 100_000
        + b'"}\n{"a": 2}\n{"a": "'
        + b"y" * 5_000_000
        + b'"}\n{"a": 3}\n'
        + b'{"a": "'
        + b"z" * 70_000
        + b'"}'
    )
    with mock.patch.object(options, "MAX_LINE_BYTES", 64 * 1024):
        frame, reader = read_bytes(data, name="long.jsonl")
    assert rows(frame) == [["1"], ["2"], ["3"]]
    report = reader.report
    assert [(i.kind, i.line, i.detail.split(" bytes")[0]) for i in report.issues] == [
        ("long_line", 2, "100,009"),
        ("long_line", 4, "5,000,009"),
        ("long_line", 6, "70,009"),
    ]
    assert (report.long_lines, report.rows_read, report.records, report.lines_read) == (3, 3, 6, 6)


def test_jsonl_lines_holding_no_object_are_counted_as_left_out() -> None:
    """Such lines are no rows at all: they were counted as ragged rows ("padded or cut; check the delimiter"),
    and, left out of the rows they were divided by, half the lines bad gave a parse health of 0."""
    frame, reader = read_bytes(b'{"a": 1}\nnot json\n[1, 2]\n\n{"a": 2}\n')
    assert rows(frame) == [["1"], ["2"]]
    assert (reader.report.invalid_records, reader.report.ragged_rows) == (2, 0)
    assert [(i.kind, i.line) for i in reader.report.issues] == [("invalid_record", 2), ("invalid_record", 3)]
    profile = profile_dataframe(frame, parse_report=reader.report)
    assert profile.quality.parse_health == 0.5  # 2 of the 4 records
    (alert,) = [a for a in profile.alerts if a.code == "INVALID_RECORDS"]
    assert alert.message.startswith("2 lines hold no JSON object, left out")
    assert "RAGGED_ROWS" not in {a.code for a in profile.alerts}


def test_parquet_values_become_text_and_nulls_stay_null(tmp_path: Path) -> None:
    table = pa.table(
        {
            "i": pa.array([1, None, 3], pa.int64()),
            "f": [0.5, 2.0, None],
            "s": ["x", "", None],
            "b": [True, False, None],
            "d": pa.array(["a", "b", "a"]).dictionary_encode(),
            "l": [[1, 2], None, []],
        }
    )
    path = tmp_path / "t.parquet"
    pq.write_table(table, path, row_group_size=2)
    frame, reader = read_bytes(path.read_bytes(), chunk_rows=2)
    assert reader.report.format == "parquet"
    assert rows(frame) == [
        ["1", "0.5", "x", "true", "a", "[1,2]"],
        [None, "2", "", "false", "b", None],
        ["3", None, None, None, "a", "[]"],
    ]


def test_xlsx(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["name", "score", "when", "ok"])
    sheet.append(["Ada", 1.5, None, True])
    sheet.append([])
    sheet.append(["Bob", 2, "2024-01-02", False, "extra"])
    path = tmp_path / "t.xlsx"
    book.save(path)
    frame, reader = read_bytes(path.read_bytes(), name="t.xlsx")
    assert reader.report.format == "xlsx"
    assert list(frame.columns) == ["name", "score", "when", "ok"]
    assert rows(frame) == [["Ada", "1.5", None, "TRUE"], ["Bob", "2", "2024-01-02", "FALSE"]]
    assert reader.report.ragged_rows == 1 and reader.report.issues[0].line == 4


@pytest.mark.parametrize("packing", ["zip", "gzip"])
def test_a_workbook_packed_in_a_zip_or_gzip_file_is_read(packing: str, tmp_path: Path) -> None:
    """It was refused as "a zip file inside a zip file" (a workbook is a zip), though it holds one table."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["name", "score"])
    sheet.append(["Ada", 1.5])
    book.save(tmp_path / "t.xlsx")
    workbook = (tmp_path / "t.xlsx").read_bytes()
    if packing == "gzip":
        data = gzip.compress(workbook)
    else:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("report/t.xlsx", workbook)
        data = buffer.getvalue()
    frame, reader = read_bytes(data, name=f"t.xlsx.{packing}")
    assert (reader.report.format, reader.report.compression) == ("xlsx", packing)
    assert rows(frame) == [["Ada", "1.5"]]
    with pytest.raises(NotATableError, match="A zip file inside a gzip file"):
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("t.csv", "a\n1\n")
        read_bytes(gzip.compress(buffer.getvalue()), name="t.zip.gz")


def test_xlsx_whose_dimension_is_left_at_a1_is_read_whole(tmp_path: Path) -> None:
    """Some writers leave the sheet's <dimension ref> at "A1": openpyxl's read-only sheet believed it and the
    table came out as one column and no rows, without a word. pandas reads the whole sheet."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["a", "b", "c"])
    for i in range(5):
        sheet.append([i, i * 2, f"x{i}"])
    book.save(tmp_path / "good.xlsx")
    stale = io.BytesIO()
    with zipfile.ZipFile(tmp_path / "good.xlsx") as source, zipfile.ZipFile(stale, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data, replaced = re.subn(rb'<dimension ref="[^"]*" ?/>', b'<dimension ref="A1"/>', data)
                assert replaced == 1
            target.writestr(item, data)
    frame, _ = read_bytes(stale.getvalue(), name="stale.xlsx")
    assert list(frame.columns) == ["a", "b", "c"] and len(frame) == 5
    assert frame.shape == pd.read_excel(io.BytesIO(stale.getvalue())).shape


def test_xlsx_reads_the_active_sheet_or_else_the_first_with_cells(tmp_path: Path) -> None:
    """An empty first sheet (a cover left blank) made the workbook "not a table"; and the first sheet was read
    even where the workbook opens on another. The report names the sheet read."""
    book = openpyxl.Workbook()
    assert book.active is not None
    book.active.title = "Cover"  # left empty
    data = book.create_sheet("Data")
    data.append(["id", "city"])
    data.append([1, "Oslo"])
    notes = book.create_sheet("Notes")
    notes.append(["note"])
    notes.append(["checked"])
    path = tmp_path / "book.xlsx"
    book.save(path)
    frame, reader = read_bytes(path.read_bytes(), name="book.xlsx")
    assert (reader.report.sheet, list(frame.columns), rows(frame)) == ("Data", ["id", "city"], [["1", "Oslo"]])

    book.active = notes  # the workbook opens on Notes: that is the sheet its user sees and means
    book.save(path)
    frame, reader = read_bytes(path.read_bytes(), name="book.xlsx")
    assert (reader.report.sheet, rows(frame)) == ("Notes", [["checked"]])

    empty = openpyxl.Workbook()
    empty.create_sheet("Also empty")
    empty.save(path)
    with pytest.raises(NotATableError, match="Every worksheet of the workbook is empty"):
        read_bytes(path.read_bytes(), name="book.xlsx")


def test_chunks_are_bounded_by_block_size() -> None:
    body = "".join(f"{i},{'x' * 50}\n" for i in range(20000))
    reader = open_table(io.BytesIO(("id,text\n" + body).encode()), options=ReadOptions(block_size=64 * 1024))
    reader_frames = list(reader)
    assert len(reader_frames) > 10
    assert max(len(f) for f in reader_frames) < 2000
    assert sum(len(f) for f in reader_frames) == 20000


def _profile(chunks: Iterable[Any]) -> dict[str, object]:
    profiler = TableProfiler()
    for chunk in chunks:
        profiler.update(chunk)
    return profiler.finish().to_dict()


@pytest.mark.parametrize("kind", ["csv", "csv-open-quote", "parquet", "jsonl"])
def test_chunks_as_parsed_profile_like_data_frames(kind: str, tmp_path: Path) -> None:
    # The processor profiles the reader's chunks as parsed (Arrow for delimited text and Parquet, skipping pandas);
    # the profile must equal the one of the DataFrame chunks the reader gives when iterated.
    body = "".join(f'{i},"{"w" * (i % 5)} {i % 7}",{i * 0.25},{"" if i % 9 else "NA"}\n' for i in range(3000))
    text = "id,note,amount,flag\n" + body
    if kind == "csv-open-quote":  # a quote left open: that block is read in pieces, one chunk of several batches
        text = text.replace('\n1500," 2",', '\n1500,"never closed,', 1)
    data = text.encode()
    if kind == "parquet":
        buffer = io.BytesIO()
        frame = pd.read_csv(io.BytesIO(data), dtype="string", keep_default_na=False)
        pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), buffer, row_group_size=700)
        data = buffer.getvalue()
    elif kind == "jsonl":
        frame = pd.read_csv(io.BytesIO(data), dtype="string", keep_default_na=False)
        data = "".join(json.dumps(row) + "\n" for row in frame.to_dict(orient="records")).encode()
    options = ReadOptions(block_size=16 * 1024, chunk_rows=700)
    name = "t." + kind.split("-")[0]

    as_parsed = list(open_table(io.BytesIO(data), file_name=name, options=options).chunks())
    frames = list(open_table(io.BytesIO(data), file_name=name, options=options))
    arrow = kind != "jsonl"
    assert all(isinstance(c, pa.RecordBatch | pa.Table) == arrow for c in as_parsed)
    assert any(isinstance(c, pa.Table) for c in as_parsed) == (kind == "csv-open-quote")
    assert sum(len(c) for c in as_parsed) == sum(len(f) for f in frames) > 2000
    assert _profile(as_parsed) == _profile(frames)


@pytest.mark.parametrize(("data", "columns"), [(b"a,b,c\n", ["a", "b", "c"]), (b"Title only\r\n", ["Title only"])])
def test_a_header_without_rows_is_a_table_of_its_columns_and_no_rows(data: bytes, columns: list[str]) -> None:
    """An export that found nothing: the profile names the columns and says the table is empty (before, it
    had no columns at all and no alert)."""
    reader = open_table(io.BytesIO(data), file_name="export.csv")
    profiler = TableProfiler()
    for chunk in reader.chunks():
        profiler.update(chunk)
    profile = profiler.finish(reader.report)
    assert profile.rows == 0 and [c.name for c in profile.column_profiles] == columns
    assert {(c.count, c.inferred_type) for c in profile.column_profiles} == {(0, "empty")}
    assert [(a.code, a.column, a.severity) for a in profile.alerts] == [("EMPTY", "", "warning")]
    assert "no rows" in profile.alerts[0].message


def test_xlsx_title_and_notes_above_the_table_are_skipped(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Quarterly sales"])
    sheet.append([])
    sheet.append(["Source: ERP", "2026-12-01"])
    sheet.append(["region", "units", "price"])
    for row in (["North", 12, 1.5], ["South", 7, 2.0], ["East", 30, 4.25, "extra"]):
        sheet.append(row)
    path = tmp_path / "sales.xlsx"
    book.save(path)
    frame, reader = read_bytes(path.read_bytes(), name="sales.xlsx")
    assert list(frame.columns) == ["region", "units", "price"]
    assert rows(frame) == [["North", "12", "1.5"], ["South", "7", "2"], ["East", "30", "4.25"]]
    assert (reader.report.preamble_lines, reader.report.has_header) == (3, True)
    assert [(i.kind, i.line) for i in reader.report.issues] == [("ragged_row", 7)]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        # A quoted last field before \r\n, and one holding escaped quotes, count for '"' against one 'a' field.
        (b"id,name,note\r\n1,'a',\"x,y\"\r\n2,b,c\r\n", [["1", "'a'", "x,y"], ["2", "b", "c"]]),
        (b'id,note\n1,\'x\'\n2,"he said ""hi"", ok"\n3,z\n', [["1", "'x'"], ["2", 'he said "hi", ok'], ["3", "z"]]),
    ],
)
def test_the_quote_character_counts_crlf_lines_and_escaped_quotes(data: bytes, expected: list[list[str]]) -> None:
    frame, reader = read_bytes(data)
    assert reader.report.quotechar == '"'
    assert rows(frame) == expected and reader.report.problem_rows == 0


def test_old_mac_line_ends_are_lines() -> None:
    """\\r alone ends a line (classic Mac OS; some exports still write it): the sample was one broken line."""
    frame, reader = read_bytes(b"name,v\ra,1\rb,2\r")
    assert list(frame.columns) == ["name", "v"] and rows(frame) == [["a", "1"], ["b", "2"]]
    assert reader.report.problem_rows == 0
