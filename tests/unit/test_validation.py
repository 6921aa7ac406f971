import pytest

from services.ingest import validation
from sluice.errors import FailedPrecondition, InvalidArgument


@pytest.mark.parametrize(
    ("given", "expected"),
    [("text/csv", "text/csv"), ("Text/CSV; charset=utf-8", "text/csv"), ("text/tsv", "text/tab-separated-values")],
)
def test_media_types_are_normalized(given, expected):
    assert validation.normalize_media_type(given) == expected


def test_unknown_media_type_names_the_supported_ones():
    with pytest.raises(InvalidArgument) as raised:
        validation.normalize_media_type("image/png")
    assert "text/csv" in raised.value.message
    assert raised.value.field == "header.media_type"


@pytest.mark.parametrize(
    ("head", "what"),
    [
        (b"PK\x03\x04rest-of-zip", "ZIP"),
        (b"\x1f\x8b\x08\x00", "gzip"),
        (b"%PDF-1.7\n", "PDF"),
        (b"\x89PNG\r\n\x1a\n", "PNG"),
        (bytes(range(256)) * 4, "binary"),
    ],
)
def test_binary_content_declared_as_csv_is_rejected_with_the_reason(head, what):
    with pytest.raises(InvalidArgument) as raised:
        validation.check_content_matches("text/csv", head)
    assert what in raised.value.message
    assert raised.value.reason == "CONTENT_TYPE_MISMATCH"


@pytest.mark.parametrize(
    "head",
    [b"a,b\n1,2\n", "\ufeffname,city\nJos\u00e9,K\u00f6ln\n".encode(), "a\tb\n1\t2\n".encode("utf-16")],
)
def test_text_tables_pass(head):
    validation.check_content_matches("text/csv", head)


def test_file_names_lose_their_directories_and_odd_characters():
    assert validation.safe_file_name("../../etc/passwd") == "passwd"
    assert validation.safe_file_name(r"C:\Users\me\sales 2026.csv") == "sales 2026.csv"
    assert validation.safe_file_name("sales;DROP$.csv") == "sales_DROP_.csv"
    with pytest.raises(InvalidArgument):
        validation.safe_file_name("  /  ")


def test_declared_size_over_the_limit_is_refused_before_any_byte():
    with pytest.raises(FailedPrecondition) as raised:
        validation.check_declared_size(11, limit=10)
    assert raised.value.reason == "UPLOAD_TOO_LARGE"
    validation.check_declared_size(10, limit=10)


def test_sha256_must_be_hex():
    assert validation.check_sha256_format("AB" * 32) == "ab" * 32
    with pytest.raises(InvalidArgument):
        validation.check_sha256_format("xyz")


@pytest.mark.parametrize("delimiter", [";;", "¦", "§", '"', "\n"])
def test_a_delimiter_no_processor_can_read_is_refused_at_upload(delimiter):
    with pytest.raises(InvalidArgument) as raised:
        validation.check_read_options(delimiter, "")
    assert raised.value.reason == "DELIMITER_INVALID"
    assert raised.value.field == "header.options.delimiter"
    assert "ASCII" in raised.value.message


@pytest.mark.parametrize("delimiter", ["", ",", ";", "\t", "|"])
def test_one_ascii_delimiter_is_accepted(delimiter):
    validation.check_read_options(delimiter, "")


@pytest.mark.parametrize(
    ("given", "stored"),
    [("", ""), ("Shift-JIS", "shift_jis"), ("latin1", "iso8859-1"), ("UTF-16", "utf-16"), ("cp1251", "cp1251")],
)
def test_an_encoding_is_stored_by_its_codecs_name(given, stored):
    assert validation.check_encoding(given) == stored


@pytest.mark.parametrize(
    ("given", "says"),
    [("klingon", "no text encoding"), ("base64", "no text encoding"), ("iso-2022-jp", "keeps a state")],
)
def test_an_encoding_the_processor_cannot_read_is_refused_at_upload(given, says):
    with pytest.raises(InvalidArgument) as refused:
        validation.check_encoding(given)
    assert refused.value.reason == "ENCODING_INVALID" and says in str(refused.value)
    assert refused.value.field == "header.options.encoding"
