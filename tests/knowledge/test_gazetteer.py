"""The gazetteer: streets, towns and landmarks resolve to the annex unit that serves them."""

from __future__ import annotations

import pytest

from knowledge import gazetteer_build as build
from knowledge.directory import DirectoryError, LiaisonDirectory
from knowledge.gazetteer import GAZETTEER_PATH, Gazetteer, GazetteerError, Place
from tests.paths import DIRECTORY_PATH

ANNEX_UNITS = ["东湖高新区", "武汉开发区", "临空港开发区", "江岸区", "江汉区", "硚口区", "汉阳区",
               "武昌区", "青山区", "洪山区", "江夏区", "蔡甸区", "黄陂区", "新洲区"]


@pytest.fixture(scope="module")
def directory() -> LiaisonDirectory:
    return LiaisonDirectory.from_yaml(DIRECTORY_PATH)


@pytest.fixture(scope="module")
def gazetteer() -> Gazetteer:
    return Gazetteer.from_yaml(GAZETTEER_PATH)


def districts(directory: LiaisonDirectory, text: str) -> list[str]:
    return [liaison.district for liaison in directory.find_all_in_text(text)]


# -- streets and towns of every unit ---------------------------------------------------------

@pytest.mark.parametrize(("street", "unit"), [
    # 东湖高新区: streets the codes list under 洪山区 and 江夏区
    ("关东街道", "东湖高新区"), ("花山街道", "东湖高新区"), ("左岭", "东湖高新区"),
    ("九峰街道", "东湖高新区"), ("佛祖岭街道", "东湖高新区"), ("豹澥", "东湖高新区"),
    ("龙泉街道", "东湖高新区"), ("滨湖街道", "东湖高新区"),
    # 武汉开发区: 沌口 / 沌阳 / 军山 (蔡甸区 in the codes) and the whole of 汉南区
    ("沌口街道", "武汉开发区"), ("沌阳街道", "武汉开发区"), ("军山街道", "武汉开发区"),
    ("纱帽街道", "武汉开发区"), ("邓南", "武汉开发区"), ("湘口街道", "武汉开发区"),
    # 临空港开发区 = 东西湖区
    ("金银湖街道", "临空港开发区"), ("径河街道", "临空港开发区"), ("走马岭", "临空港开发区"),
    ("新沟镇街道", "临空港开发区"), ("柏泉", "临空港开发区"), ("常青花园", "临空港开发区"),
    ("丹水池街道", "江岸区"), ("谌家矶", "江岸区"), ("塔子湖街道", "江岸区"), ("大智街道", "江岸区"),
    ("花楼街街道", "江汉区"), ("万松街", "江汉区"), ("唐家墩", "江汉区"),
    ("古田街道", "硚口区"), ("宗关", "硚口区"), ("韩家墩街道", "硚口区"), ("汉正街道", "硚口区"),
    ("琴断口街道", "汉阳区"), ("五里墩", "汉阳区"), ("江汉二桥街道", "汉阳区"),
    ("积玉桥街道", "武昌区"), ("珞珈山", "武昌区"), ("水果湖街道", "武昌区"),
    ("红钢城街道", "青山区"), ("工人村", "青山区"), ("钢都花园街道", "青山区"),
    ("珞南街道", "洪山区"), ("卓刀泉", "洪山区"), ("关山街道", "洪山区"), ("青菱街道", "洪山区"),
    ("纸坊街道", "江夏区"), ("乌龙泉街道", "江夏区"), ("五里界", "江夏区"), ("藏龙岛", "江夏区"),
    ("奓山街道", "蔡甸区"), ("侏儒山", "蔡甸区"), ("消泗乡", "蔡甸区"),
    ("前川街道", "黄陂区"), ("祁家湾", "黄陂区"), ("滠口街道", "黄陂区"), ("木兰乡", "黄陂区"),
    ("邾城街道", "新洲区"), ("凤凰镇", "新洲区"), ("涨渡湖", "新洲区"),
])
def test_streets_and_towns_resolve_to_their_unit(
        directory: LiaisonDirectory, street: str, unit: str) -> None:
    assert districts(directory, street) == [unit]
    assert districts(directory, f"我们公司在{street}，包区联系人是谁？") == [unit]


def test_every_unit_has_at_least_three_matched_streets(gazetteer: Gazetteer) -> None:
    streets = [place for place in gazetteer.places if place.code and place.resolved]
    for unit in ANNEX_UNITS:
        assert sum(place.unit == unit for place in streets) >= 3, unit


def test_development_zone_overrides_are_exactly_the_zone_streets(gazetteer: Gazetteer) -> None:
    moved = {place.name: (place.district, place.unit) for place in gazetteer.places
             if place.code and place.resolved and place.district != place.unit}
    zone_streets = {name: moved.pop(name) for name in list(moved)
                    if moved[name][0] not in ("东西湖区", "汉南区")}
    assert zone_streets == {
        "关东街道": ("洪山区", "东湖高新区"), "花山街道": ("洪山区", "东湖高新区"),
        "左岭街道": ("洪山区", "东湖高新区"), "九峰街道": ("洪山区", "东湖高新区"),
        "佛祖岭街道": ("江夏区", "东湖高新区"), "豹澥街道": ("江夏区", "东湖高新区"),
        "龙泉街道": ("江夏区", "东湖高新区"), "滨湖街道": ("江夏区", "东湖高新区"),
        "沌口街道": ("蔡甸区", "武汉开发区"), "沌阳街道": ("蔡甸区", "武汉开发区"),
        "军山街道": ("蔡甸区", "武汉开发区"),
    }
    # the rest: whole districts, 东西湖区 → 临空港开发区 and 汉南区 → 武汉开发区
    assert {unit for district, unit in moved.values() if district == "东西湖区"} == {"临空港开发区"}
    assert {unit for district, unit in moved.values() if district == "汉南区"} == {"武汉开发区"}


# -- curated places, English names, traditional characters -------------------------------

@pytest.mark.parametrize(("message", "unit"), [
    ("光谷软件园的企业找谁", "东湖高新区"),
    ("我们在光谷生物城", "东湖高新区"),
    ("金融港那边的公司", "东湖高新区"),
    ("武汉东站附近", "东湖高新区"),
    ("公司在江汉大学旁边", "武汉开发区"),  # 江汉大学 is in 武汉开发区, not 江汉区
    ("武汉体育中心", "武汉开发区"),
    ("网安基地的企业", "临空港开发区"),
    ("黎黄陂路上的公司", "江岸区"),  # not 黄陂区
    ("汉口火车站旁边", "江汉区"),
    ("江汉路步行街", "江汉区"),
    ("华中科技大学同济医学院", "硚口区"),  # not 华中科技大学's 洪山区
    ("王家湾", "汉阳区"),
    ("汉阳钢厂那片", "汉阳区"),
    ("洪山广场附近的企业", "武昌区"),  # not 洪山区
    ("武汉大学", "武昌区"),
    ("青山红钢城", "青山区"),
    ("武钢", "青山区"),
    ("华中科技大学", "洪山区"),
    ("武汉站", "洪山区"),
    ("湖北经济学院", "江夏区"),
    ("九真山", "蔡甸区"),
    ("天河国际机场", "黄陂区"),
    ("汉口北", "黄陂区"),
    ("阳逻港", "新洲区"),
    # campuses, hospitals, old names and landmarks added later; several correct a shorter
    # name inside them (汉口学院 is not 汉口, 武昌理工学院 not 武昌区, 汉阳县 not 汉阳区 …)
    ("武大的老师找谁", "武昌区"), ("华科旁边的企业", "洪山区"), ("华师", "洪山区"),
    ("中南民族大学", "洪山区"), ("地大南望山校区", "洪山区"), ("湖北第二师范学院", "东湖高新区"),
    ("武汉轻工大学", "临空港开发区"), ("武汉生物工程学院", "新洲区"), ("空军预警学院", "江岸区"),
    ("汉口学院", "江夏区"), ("武昌理工学院", "江夏区"), ("武汉东湖学院", "江夏区"),
    ("武昌县", "江夏区"), ("汉阳县", "蔡甸区"),
    ("同济医院", "硚口区"), ("同济医院光谷院区", "东湖高新区"), ("同济医院中法新城院区", "蔡甸区"),
    ("协和医院", "江汉区"), ("协和医院金银湖院区", "临空港开发区"), ("湖北省人民医院", "武昌区"),
    ("中南医院", "武昌区"), ("武汉市中心医院", "江岸区"), ("江汉大学附属医院", "江岸区"),
    ("武汉市第五医院", "汉阳区"), ("火神山医院", "蔡甸区"), ("雷神山医院", "江夏区"),
    ("汉街万达", "武昌区"), ("武汉街道口", "洪山区"), ("范湖那边", "江汉区"), ("循礼门", "江汉区"),
    ("东风公司总部", "武汉开发区"), ("自贸区武汉片区的企业", "东湖高新区"),
    ("中山舰博物馆", "江夏区"), ("木兰湖", "黄陂区"), ("冶金大道", "青山区"), ("武汉客厅", "临空港开发区"),
])
def test_curated_places_resolve_to_their_unit(
        directory: LiaisonDirectory, message: str, unit: str) -> None:
    assert districts(directory, message) == [unit]


@pytest.mark.parametrize(("message", "unit"), [
    ("Optics Valley Software Park", "东湖高新区"),
    ("We are in the East Lake High-Tech Development Zone", "东湖高新区"),
    ("Wuhan University", "武昌区"),
    ("our lab is near HUST, who is the contact?", "洪山区"),
    ("Huazhong University of Science and Technology", "洪山区"),
    ("Hankou Railway Station", "江汉区"),
    ("Tianhe Airport", "黄陂区"),
    ("Yellow Crane Tower", "武昌区"),
    ("Jianghan University", "武汉开发区"),
    ("Hubei University of Technology", "洪山区"),  # not 湖北大学 (Hubei University)
    ("Wuhan Economic and Technological Development Zone", "武汉开发区"),
    ("Dongxihu District", "临空港开发区"),
    ("Yangluo Port", "新洲区"),
])
def test_english_names_resolve(directory: LiaisonDirectory, message: str, unit: str) -> None:
    assert districts(directory, message) == [unit]


@pytest.mark.parametrize("message", [
    "Wuhan University of Technology",  # several campuses: recognised, unresolved
    "hustle and bustle",  # HUST only as a whole word
    "Hanyang University in Seoul",
])
def test_english_names_only_match_whole_and_known(directory: LiaisonDirectory, message: str) -> None:
    assert districts(directory, message) == []


@pytest.mark.parametrize(("message", "unit"), [
    ("關東街道的企業找誰", "东湖高新区"),
    ("華中科技大學", "洪山区"),
    ("漢口火車站", "江汉区"),
    ("東西湖區徑河街道", "临空港开发区"),
    ("ＨＵＳＴ", "洪山区"),  # full-width Latin
    ("OPTICS VALLEY SOFTWARE PARK", "东湖高新区"),
])
def test_traditional_and_full_width_spellings_resolve(
        directory: LiaisonDirectory, message: str, unit: str) -> None:
    assert districts(directory, message) == [unit]


# -- places inside sentences, longest match, no overlaps -----------------------------------

def test_place_inside_a_longer_sentence(directory: LiaisonDirectory) -> None:
    found = directory.find_in_text("我们公司在关东街道那边，找谁")
    assert found is not None and found.district == "东湖高新区"
    assert [(m.name, m.start, m.end) for m in directory.mentions_in_text(
        "我们公司在关东街道那边，找谁")] == [("关东街道", 5, 9)]


def test_longest_name_wins_and_names_do_not_overlap(directory: LiaisonDirectory) -> None:
    assert districts(directory, "新沟桥") == ["青山区"]  # not 新沟 (临空港开发区)
    assert districts(directory, "华中科技大学科技园") == ["东湖高新区"]  # the park, not the campus
    assert districts(directory, "武汉理工大学余家头校区") == ["武昌区"]


def test_several_places_are_listed_in_order(directory: LiaisonDirectory) -> None:
    assert districts(directory, "总部在沌口，研发在光谷软件园，仓库在阳逻") == \
        ["武汉开发区", "东湖高新区", "新洲区"]


def test_ambiguous_places_are_recognised_but_not_resolved(directory: LiaisonDirectory) -> None:
    for message in ("光谷广场的企业找谁", "我们在汉口", "东湖边上", "大花山那边", "长江新区",
                    "光谷转盘", "沌口长江大桥下面", "鹦鹉洲长江大桥", "武汉纺织大学", "中山大道",
                    "武汉大学人民医院东院", "协和医院西院"):
        assert districts(directory, message) == [], message
    (place,) = directory.ambiguous_in_text("光谷广场的企业找谁")
    assert place.name == "光谷广场" and set(place.candidates) == {"洪山区", "东湖高新区"}
    # a shorter name inside an ambiguous one is not answered either
    assert directory.find_in_text("光谷广场") is None  # not 光谷 → 东湖高新区
    assert directory.find_in_text("大花山") is None  # not 花山 → 东湖高新区


def test_uncertain_and_duplicated_streets_are_left_out(directory: LiaisonDirectory) -> None:
    assert districts(directory, "八吉府街道") == []  # confidence: low
    assert districts(directory, "李集街道") == []  # in both 黄陂区 and 新洲区
    assert districts(directory, "东湖风景区街道") == []  # 东湖生态旅游风景区, no annex row


# -- no false positives ------------------------------------------------------------------

ORDINARY_QUESTIONS = [
    "高企认定需要什么材料", "高新技术企业认定的条件是什么", "人工智能企业有什么补贴",
    "科技成果转化找哪个部门", "科技型中小企业评价怎么申报", "孵化器认定找谁",
    "众创空间备案的联系方式", "技术合同登记去哪里办", "外国人来华工作许可怎么办理",
    "研发费用加计扣除政策", "专精特新企业怎么申请", "新型研发机构备案要什么条件",
    "科技特派员的联系人是谁", "揭榜挂帅项目谁负责", "工程技术研究中心认定",
    "企业技术中心和重点实验室有什么区别", "新区有什么补贴", "开发区的政策", "高新区的企业",
    "政务服务中心在哪", "大学生创业有没有补助", "武汉大学生创业补贴怎么申请",
    "武汉正在推进哪些科技项目", "武汉南部有什么园区", "武汉街头的小微企业", "武汉阳光科技有限公司",
    "劳动合同纠纷找谁", "我们是一家冶金企业", "大智移云企业能申报吗", "四新经济有什么政策",
    "一元钱的成本", "车站附近能停车吗", "然后湖北省的政策呢", "绿水青山就是金山银山",
    "江汉平原的农业科技企业", "长江岸线保护", "今天兴趣不大", "东西马上寄过来",
    "营收增长丰富多元", "和平发展", "关东煮店能申请吗", "凤凰卫视", "天使投资和科创板",
    # around 华科 / 华中大 / 华师 / 华农 / 汉街 / 范湖 / 协和医院
    "新华科技有限公司", "中华科技创新", "华中大区的销售", "华中大数据中心", "中华农业科技",
    "武汉街头巷尾", "规范湖北省的政策", "示范湖北", "北京协和医院的专家",
]


@pytest.mark.parametrize("question", ORDINARY_QUESTIONS)
def test_ordinary_questions_name_no_place(directory: LiaisonDirectory, question: str) -> None:
    assert directory.mentions_in_text(question) == []


@pytest.mark.parametrize(("full_name", "short", "unit"), [
    ("劳动街道", "劳动", "江岸区"),  # 劳动合同
    ("大智街道", "大智", "江岸区"),  # 大智移云
    ("汉正街道", "汉正", "硚口区"),  # 武汉正在…
    ("天兴乡", "天兴", "洪山区"),  # 今天兴趣
    ("和平街道", "和平", "洪山区"),
    ("滨湖街道", "滨湖", "东湖高新区"),
])
def test_refused_short_forms_do_not_match_but_full_names_do(
        directory: LiaisonDirectory, full_name: str, short: str, unit: str) -> None:
    assert districts(directory, full_name) == [unit]
    assert districts(directory, short) == []


def test_short_forms_are_unique_and_at_least_two_characters(gazetteer: Gazetteer) -> None:
    rows = build.rows_from_yaml(GAZETTEER_PATH.read_text(encoding="utf-8"))
    shorts = [row.short for row in rows if row.short]
    assert len(shorts) == len(set(shorts))
    assert all(len(short) >= 2 for short in shorts)
    assert not set(shorts) & set(build.NO_SHORT)


# -- data integrity ----------------------------------------------------------------------

def test_every_entry_names_one_of_the_fourteen_units(
        gazetteer: Gazetteer, directory: LiaisonDirectory) -> None:
    assert [liaison.district for liaison in directory.liaisons] == ANNEX_UNITS
    assert list(build.UNITS) == ANNEX_UNITS
    assert set(build.DISTRICT_UNIT.values()) <= set(ANNEX_UNITS)
    for place in gazetteer.places:
        assert place.unit is None or place.unit in ANNEX_UNITS, place
        assert set(place.candidates) <= set(ANNEX_UNITS), place
    rows = build.rows_from_yaml(GAZETTEER_PATH.read_text(encoding="utf-8"))
    assert {row.unit for row in rows} == set(ANNEX_UNITS)


def test_generated_block_is_in_the_generators_format() -> None:
    text = GAZETTEER_PATH.read_text(encoding="utf-8")
    rows = build.rows_from_yaml(text)
    assert build.render_block(rows) == build.generated_block(text)
    assert len(rows) >= 190 and all(row.code.startswith("4201") for row in rows)
    assert {row.district for row in rows} == set(build.DISTRICT_UNIT)
    for row in rows:  # the rules of the generator hold row by row
        unit, source = build.OVERRIDES.get(row.code, (build.DISTRICT_UNIT[row.district], None))
        assert (row.unit, row.override) == (unit, source), row
        assert row.override is None or row.override in build.SOURCES
    assert "china-division@2.7.0" in text and "WTFPL" in text


def test_curated_places_have_a_source_and_english_names(gazetteer: Gazetteer) -> None:
    curated = [place for place in gazetteer.places
               if place.code is None and place.resolved and place.kind != "phrase"]
    assert len(curated) >= 150
    english = [name for place in curated for name in place.english]
    assert len(english) >= 100
    import yaml
    data = yaml.safe_load(GAZETTEER_PATH.read_text(encoding="utf-8"))
    assert all(str(row.get("source") or "").strip() for row in data["places"])
    assert all(str(row.get("note") or "").strip() for row in data["ambiguous"])


def test_directory_aliases_and_gazetteer_agree(directory: LiaisonDirectory) -> None:
    # every directory alias still resolves to its own row (the gazetteer never takes one over)
    plain = LiaisonDirectory.from_yaml(DIRECTORY_PATH, gazetteer=None)
    for liaison in plain.liaisons:
        for name in (liaison.district, *liaison.aliases):
            assert directory.get(name).district == liaison.district, name  # type: ignore[union-attr]
    # and the rows themselves are untouched by the gazetteer
    assert [(item.district, item.aliases) for item in directory.liaisons] == \
        [(item.district, item.aliases) for item in plain.liaisons]


def test_gazetteer_name_claiming_another_units_alias_is_refused(
        directory: LiaisonDirectory) -> None:
    plain = LiaisonDirectory.from_yaml(DIRECTORY_PATH, gazetteer=None)
    wrong = Gazetteer([Place(name="光谷", unit="江夏区", kind="landmark", names=("光谷",))])
    with pytest.raises(DirectoryError, match="光谷"):
        LiaisonDirectory(plain.liaisons, plain.source, wrong)
    unknown = Gazetteer([Place(name="某地", unit="某区", kind="landmark", names=("某地",))])
    with pytest.raises(DirectoryError, match="某区"):
        LiaisonDirectory(plain.liaisons, plain.source, unknown)


def test_one_name_for_two_units_is_refused() -> None:
    with pytest.raises(GazetteerError, match="共用名"):
        Gazetteer([Place(name="甲", unit="江岸区", kind="landmark", names=("共用名",)),
                   Place(name="乙", unit="江汉区", kind="landmark", names=("共用名",))])


def test_directory_without_gazetteer_knows_only_its_aliases() -> None:
    plain = LiaisonDirectory.from_yaml(DIRECTORY_PATH, gazetteer=None)
    assert plain.find_in_text("关东街道") is None
    assert plain.find_in_text("光谷") is not None


# -- what the callers see ----------------------------------------------------------------

def test_exact_lookup_and_names_include_places(directory: LiaisonDirectory) -> None:
    assert directory.get("关东街道").district == "东湖高新区"  # type: ignore[union-attr]
    assert directory.get("光谷广场") is None
    donghu = directory.get("东湖高新区")
    assert donghu is not None and "关东街道" in donghu.names and "光谷" in donghu.names
    assert "关东街道" in directory.all_names() and "光谷广场" not in directory.all_names()


def test_reply_names_the_street_the_enterprise_used(directory: LiaisonDirectory) -> None:
    from assistant import intent_rules
    from assistant.liaison import alias_used, describe_liaison

    text = "我们公司在关东街道那边，找谁"
    assert intent_rules.asks_for_liaison(text, directory)
    assert intent_rules.asks_for_liaison("关东街道", directory)  # a bare place
    assert not intent_rules.asks_for_liaison("科技成果转化找哪个部门", directory)
    liaison = directory.find_in_text(text)
    assert liaison is not None
    reply = describe_liaison(liaison, alias_used(directory, text, liaison))
    assert reply.startswith("关东街道属于东湖高新区（东湖新技术开发区），由市科技局胡军（副局长）带队包区服务")


def test_nlu_data_maps_places_to_the_canonical_unit(directory: LiaisonDirectory) -> None:
    from bot.generate_nlu import district_names, render_jieba, render_nlu

    names = dict(district_names(directory))
    assert {"关东街道", "關東街道", "关东", "光谷软件园"} <= set(names["东湖高新区"])
    assert "Wuhan University" in names["武昌区"] and "江汉大学" in names["武汉开发区"]
    assert not any("光谷广场" in spellings for spellings in names.values())
    nlu = render_nlu(directory)
    assert "\n    - 关东街道\n" in nlu.split("- synonym: 东湖高新区")[1].split("- synonym:")[0]
    assert "\n关东街道 2000 ns\n" in render_jieba(directory)
