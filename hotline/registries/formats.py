"""The three registries and their import format: the Chinese column headers of each."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class RegistryKind(StrEnum):
    """Which registry a version holds."""

    HIGHTECH = "hightech"
    INCUBATOR = "incubator"
    COMMISSIONER = "commissioner"


@dataclass(frozen=True, slots=True)
class Column:
    """One column of an import file: its header, the record field, whether it is required."""

    header: str
    field: str
    required: bool
    note: str
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class RegistryFormat:
    """What a registry is called, where enterprises look it up officially, and its columns."""

    kind: RegistryKind
    label: str  # 高新技术企业名单 …
    official: str  # where the official look-up is (鄂汇办's service name)
    columns: tuple[Column, ...]


LEVELS = ("国家级", "省级", "市级")
INCUBATOR_KINDS = ("孵化器", "众创空间")
CERTIFICATE_VALID_YEARS = 3  # a 高新技术企业 certificate is valid for three years

FORMATS: dict[RegistryKind, RegistryFormat] = {
    RegistryKind.HIGHTECH: RegistryFormat(
        RegistryKind.HIGHTECH, "高新技术企业名单", "鄂汇办“高新技术企业信息查询”", (
            Column("企业名称", "name", True, "营业执照上的全称", ("名称", "单位名称")),
            Column("证书编号", "certificate_no", True, "GR 加 12 位数字，如 GR202342001234",
                   ("证书号",)),
            Column("发证日期", "issued_on", True, "如 2023-12-08、2023/12/8、2023年12月8日",
                   ("发证时间", "认定日期")),
            Column("有效期至", "valid_until", False,
                   f"留空则按发证日期起 {CERTIFICATE_VALID_YEARS} 年计算", ("有效期",)),
        )),
    RegistryKind.INCUBATOR: RegistryFormat(
        RegistryKind.INCUBATOR, "科技企业孵化器和众创空间名单",
        "鄂汇办“国家科技企业孵化器信息查询”", (
            Column("名称", "name", True, "孵化器或众创空间的名称", ("载体名称",)),
            Column("级别", "level", True, "国家级、省级或市级", ("认定级别",)),
            Column("类型", "kind", True, "孵化器或众创空间", ("载体类型",)),
            Column("所在区", "district", True, "14 个区（开发区）之一，如 东湖高新区、江夏区",
                   ("区", "所在地区")),
            Column("地址", "address", False, "", ("详细地址",)),
            Column("运营主体", "operator", False, "运营单位的名称", ("运营单位",)),
        )),
    RegistryKind.COMMISSIONER: RegistryFormat(
        RegistryKind.COMMISSIONER, "市级科技特派员名单", "鄂汇办“市级科技特派员信息查询”", (
            Column("姓名", "name", True, "", ()),
            Column("服务领域", "field", True, "如 光电子信息、生物医药、现代农业",
                   ("专业领域", "领域")),
            Column("工作单位", "unit", True, "", ("单位",)),
            Column("服务区域", "district", False, "14 个区（开发区）之一；可留空",
                   ("所在区", "区")),
        )),
}


def registry_format(kind: str) -> RegistryFormat:
    """The format of ``kind`` (ValueError for an unknown kind)."""
    return FORMATS[RegistryKind(kind)]
