"""Registry files: CSV in UTF-8 with BOM, plain UTF-8 and GBK, Excel .xlsx; comments and
the generated-data mark; files that cannot be read say why, in Chinese."""

from __future__ import annotations

import io
from datetime import date

import pytest
from openpyxl import Workbook

from hotline.registries.reading import UnreadableFile, read_table
from tests.registries.conftest import fixture_bytes

HEADER = "企业名称,证书编号,发证日期\r\n"
ROW = "武汉光谷芯材科技有限公司,GR202342000101,2023-12-08\r\n"


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "gbk"])
def test_csv_in_every_accepted_encoding_reads_the_same(encoding: str) -> None:
    table = read_table("名单.csv", (HEADER + ROW).encode(encoding))
    assert table.header == ["企业名称", "证书编号", "发证日期"]  # no BOM left on the header
    assert table.rows == [(2, ["武汉光谷芯材科技有限公司", "GR202342000101", "2023-12-08"])]
    assert not table.generated


def test_the_fixture_files_say_they_are_generated() -> None:
    for name in ("hightech.csv", "incubators_gbk.csv", "hightech.xlsx", "commissioners.xlsx"):
        table = read_table(name, fixture_bytes(name))
        assert table.generated, name
        assert table.rows[0][0] == 3, name  # row 1 the mark, row 2 the header
    assert read_table("incubators_gbk.csv", fixture_bytes("incubators_gbk.csv")).encoding \
        == "gb18030"


def test_xlsx_dates_arrive_as_dates_and_blank_rows_are_skipped() -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["企业名称", "证书编号", "发证日期"])
    sheet.append([None, None, None])
    sheet.append(["武汉云鹤信息技术有限公司", "GR202442000505", date(2024, 12, 1)])
    out = io.BytesIO()
    book.save(out)
    table = read_table("名单.xlsx", out.getvalue())
    assert table.rows == [(3, ["武汉云鹤信息技术有限公司", "GR202442000505", date(2024, 12, 1)])]
    assert table.encoding == "xlsx"


@pytest.mark.parametrize(("filename", "data", "message"), [
    ("名单.csv", b"", "文件是空的"),
    ("名单.xls", b"x", "只支持 .csv 和 .xlsx"),
    ("名单.xlsx", b"not a zip file", "不是有效的 Excel"),
    ("名单.csv", "# 只有注释\r\n".encode(), "没有表头"),
    ("名单.csv", b"\xff\xfe\x00\xd8\x00", "无法识别文件编码"),
])
def test_unreadable_files_say_why(filename: str, data: bytes, message: str) -> None:
    with pytest.raises(UnreadableFile, match=message):
        read_table(filename, data)
