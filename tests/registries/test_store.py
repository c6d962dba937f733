"""Imports as preview versions, rejected rows with reasons, activation replacing the active
version, the version list — on SQLite and on PostgreSQL."""

from __future__ import annotations

import threading
from datetime import date
from typing import Any

import pytest

from hotline.audit.log import AuditLog
from hotline.registries.lookup import RegistryLookup
from hotline.registries.reading import UnreadableFile
from hotline.registries.rows import RegistryInvalid
from hotline.registries.store import NotActivatable, RegistryStore, UnknownVersion
from knowledge.directory import LiaisonDirectory
from tests.fixtures.registries.make_fixtures import (
    COMMISSIONER_REJECTED_ROWS,
    HIGHTECH_REJECTED_ROWS,
    INCUBATOR_REJECTED_ROWS,
)
from tests.registries.conftest import SOURCE, fixture_bytes

PUBLISHED = date(2024, 12, 20)


def _import(store: RegistryStore, directory: LiaisonDirectory, kind: str, name: str,
            published: date = PUBLISHED) -> int:
    return store.import_file(kind, name, fixture_bytes(name), SOURCE, published, "测试管理员",
                             directory).version.id


def test_a_csv_import_is_a_preview_with_its_rejected_rows(store: RegistryStore,
                                                          directory: LiaisonDirectory) -> None:
    preview = store.import_file("hightech", "hightech.csv", fixture_bytes("hightech.csv"),
                                SOURCE, PUBLISHED, "测试管理员", directory)
    version = preview.version
    assert (version.status, version.row_count, version.rejected_count) == ("preview", 7, 4)
    assert version.generated and version.encoding == "utf-8-sig"
    assert [r.row for r in preview.rejected] == list(HIGHTECH_REJECTED_ROWS)
    reasons = [r.reason for r in preview.rejected]
    assert reasons[0] == "“企业名称”为空"
    assert "证书编号“GR2023”格式不对" in reasons[1]
    assert "发证日期“2023-13-45”不是有效日期" in reasons[2]
    assert reasons[3] == "证书编号与第 3 行重复"
    first = preview.rows[0]
    assert first["name"] == "武汉光谷芯材科技有限公司" and first["row"] == 3
    assert first["valid_until"] == date(2026, 12, 8)  # three years after the issue date
    third = next(r for r in preview.rows if r["certificate_no"] == "GR202242000215")
    assert third["issued_on"] == date(2022, 11, 29)  # 2022年11月29日
    # nothing answers from a preview
    assert store.active("hightech") is None
    assert RegistryLookup(store).company("武汉光谷芯材科技有限公司").outcome == "not_imported"
    # read back, as the admin page shows it
    again = store.preview(version.id)
    assert again.rows == preview.rows and again.rejected == preview.rejected


def test_gbk_csv_districts_are_normalised_to_the_directory(store: RegistryStore,
                                                           directory: LiaisonDirectory) -> None:
    preview = store.import_file("incubator", "incubators_gbk.csv",
                                fixture_bytes("incubators_gbk.csv"), SOURCE, PUBLISHED, "管理员",
                                directory)
    districts = {r["name"]: r["district"] for r in preview.rows}
    assert districts["光谷青年创客空间"] == "东湖高新区"  # written 光谷
    assert districts["光谷生物孵化器"] == "东湖高新区"  # written 东湖新技术开发区
    assert districts["车谷智造孵化器"] == "武汉开发区"  # written 武汉经开区
    assert districts["临空港数字孵化器"] == "临空港开发区"  # written 东西湖区
    assert districts["汉阳知音众创空间"] == "汉阳区"
    assert set(districts.values()) <= {liaison.district for liaison in directory.liaisons}
    assert [r.row for r in preview.rejected] == list(INCUBATOR_REJECTED_ROWS)
    assert "级别“部级”不对" in preview.rejected[0].reason
    assert preview.rejected[1].reason == "所在区“火星区”不是名录中的区（开发区）"


def test_xlsx_imports(store: RegistryStore, directory: LiaisonDirectory) -> None:
    hightech = store.import_file("hightech", "hightech.xlsx", fixture_bytes("hightech.xlsx"),
                                 SOURCE, PUBLISHED, "管理员", directory)
    assert (hightech.version.row_count, hightech.version.encoding) == (7, "xlsx")
    assert hightech.rows[0]["issued_on"] == date(2023, 12, 8)  # an Excel date cell
    people = store.import_file("commissioner", "commissioners.xlsx",
                               fixture_bytes("commissioners.xlsx"), SOURCE, PUBLISHED, "管理员",
                               directory)
    assert people.version.row_count == 5
    assert [r.row for r in people.rejected] == list(COMMISSIONER_REJECTED_ROWS)
    assert next(r for r in people.rows if r["name"] == "赵强（虚构）")["district"] == ""


def test_activation_replaces_the_active_version_and_is_audited(
        store: RegistryStore, sessions: Any, directory: LiaisonDirectory) -> None:
    first = _import(store, directory, "hightech", "hightech.csv", date(2024, 6, 1))
    store.activate(first, "管理员甲")
    second = _import(store, directory, "hightech", "hightech.xlsx")
    lookup = RegistryLookup(store)
    assert lookup.company("光谷芯材科技").version.id == first  # type: ignore[union-attr]
    assert store.activate(second, "管理员乙").status == "active"
    statuses = {v.id: v.status for v in store.versions("hightech")}
    assert statuses == {first: "replaced", second: "active"}
    assert lookup.company("光谷芯材科技").version.id == second  # type: ignore[union-attr]
    with pytest.raises(NotActivatable):
        store.activate(second, "管理员乙")
    with pytest.raises(UnknownVersion):
        store.activate(99999, "管理员乙")
    store.activate(first, "管理员甲")  # back to the older list
    assert store.active("hightech").id == first  # type: ignore[union-attr]
    # one registry's activation leaves the others alone
    people = _import(store, directory, "commissioner", "commissioners.xlsx")
    store.activate(people, "管理员甲")
    assert store.active("hightech").id == first  # type: ignore[union-attr]
    actions = [e.action for e in AuditLog(sessions).entries("registry_version")]
    assert actions.count("registry.import") == 3 and actions.count("registry.activate") == 4


def test_two_activations_at_once_leave_one_active(store: RegistryStore,
                                                  directory: LiaisonDirectory) -> None:
    ids = [_import(store, directory, "incubator", "incubators_gbk.csv") for _ in range(2)]
    outcomes: list[str] = []

    def activate(version_id: int) -> None:
        try:
            store.activate(version_id, "管理员")
            outcomes.append("active")
        except NotActivatable:
            outcomes.append("refused")

    threads = [threading.Thread(target=activate, args=(i,)) for i in ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [v.status for v in store.versions("incubator")].count("active") == 1
    assert "active" in outcomes


def test_a_file_with_nothing_to_import_is_refused(store: RegistryStore,
                                                  directory: LiaisonDirectory) -> None:
    with pytest.raises(RegistryInvalid, match="表头缺少“证书编号”列"):
        store.import_file("hightech", "x.csv", "企业名称,发证日期\r\n某公司,2024-01-01\r\n"
                          .encode(), SOURCE, PUBLISHED, "管理员", directory)
    with pytest.raises(RegistryInvalid, match="没有可导入的行（第 2 行：“企业名称”为空"):
        store.import_file("hightech", "x.csv", "企业名称,证书编号,发证日期\r\n,GR202342000101,"
                          "2024-01-01\r\n".encode(), SOURCE, PUBLISHED, "管理员", directory)
    with pytest.raises(UnreadableFile):
        store.import_file("hightech", "x.txt", b"abc", SOURCE, PUBLISHED, "管理员", directory)
    assert store.versions() == []
