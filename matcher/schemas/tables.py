"""Column specifications of the domain tables.

Each :class:`TableSpec` lists its columns once; ``matcher.io.load`` turns the spec into parsing,
pandera validation and cross-table checks, and ``docs/data-format.md`` is written from it
(``matcher schema-doc``). Types are deliberately few: ``str``, ``int``, ``float``, ``bool``,
``date`` and ``list`` (a ``|``-separated string of items).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

ColumnType = Literal["str", "int", "float", "bool", "date", "list"]

# Education levels in increasing order; the rank is the index. One place: reference.py re-exports.
EDUCATION_LEVELS: tuple[str, ...] = (
    "primary",  # 小学
    "junior_secondary",  # 初中
    "senior_secondary",  # 高中
    "vocational",  # 中专/技校
    "junior_college",  # 大专
    "bachelor",  # 本科
    "master",  # 硕士
    "doctorate",  # 博士
)

# Program ids used in post tables, policy files and the CLI.
PROGRAMS: tuple[str, ...] = ("welfare", "grassroots", "internship", "public_service", "vacancy")

TRAINING_KINDS: tuple[str, ...] = (
    "universal",  # 普惠制就业培训
    "industry",  # 产业项目特色培训
    "syb",  # SYB 创业培训
    "remote",  # 远程培训站
    "two_after",  # 两后生劳动预备制培训
    "on_the_job",  # 困难企业在岗培训
)


@dataclass(frozen=True)
class ColumnSpec:
    """One column: name, type, Chinese header aliases, and the rule in words and as data."""

    name: str
    type: ColumnType
    zh: tuple[str, ...]
    description: str
    required: bool = True  # the column must be present in the file
    nullable: bool = False  # cells may be empty
    allowed: tuple[str, ...] | None = None  # closed set of values
    minimum: float | None = None
    maximum: float | None = None
    pattern: str | None = None  # full-match regular expression for str columns
    unique: bool = False
    references: str | None = None  # "table.column" this column must point into
    not_future: bool = False  # dates may not be after the reference date

    def rule(self) -> str:
        """The column's rule in words, for errors and docs."""
        parts: list[str] = [self.type]
        if self.allowed is not None:
            parts.append("one of " + ", ".join(self.allowed))
        if self.minimum is not None:
            parts.append(f">= {self.minimum:g}")
        if self.maximum is not None:
            parts.append(f"<= {self.maximum:g}")
        if self.pattern is not None:
            parts.append(f"matches {self.pattern}")
        if self.unique:
            parts.append("unique")
        if self.references is not None:
            parts.append(f"refers to {self.references}")
        if self.not_future:
            parts.append("not in the future")
        parts.append("may be empty" if self.nullable else "required value")
        return "; ".join(parts)


@dataclass(frozen=True)
class TableSpec:
    """A table: its file stem, key column, and columns in file order."""

    name: str
    description: str
    key: str
    columns: tuple[ColumnSpec, ...]
    optional_table: bool = False  # a dataset may omit the file
    extra_columns_allowed: bool = False
    by_name: dict[str, ColumnSpec] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_name", {c.name: c for c in self.columns})

    @property
    def file_name(self) -> str:
        return f"{self.name}.csv"

    def aliases(self) -> dict[str, str]:
        """Header text (English name or any Chinese alias) → column name."""
        mapping = {c.name: c.name for c in self.columns}
        for column in self.columns:
            for alias in column.zh:
                mapping[alias] = column.name
        return mapping


def _c(name: str, type_: ColumnType, zh: str, description: str, **kwargs: object) -> ColumnSpec:
    return ColumnSpec(name, type_, tuple(zh.split("|")), description, **kwargs)  # type: ignore[arg-type]


_CITY = r"21(0[1-9]|1[0-4])"
_DISTRICT = r"21(0[1-9]|1[0-4])\d{2}"
_EDU = EDUCATION_LEVELS

# Every table locates its rows the same way.
CITY_COLUMN = _c(
    "city",
    "str",
    "城市|所在市|市",
    "4-digit city code (2101-2114); a city name (沈阳市, 沈阳, Shenyang) is read as its code",
    pattern=_CITY,
    references="cities.code",
)
DISTRICT_COLUMN = _c(
    "district",
    "str",
    "区县|所在区县",
    "6-digit county-level code in that city",
    pattern=_DISTRICT,
    references="districts.code",
)
_YES = "bool: 1/0, true/false, yes/no, 是/否"

SEEKERS = TableSpec(
    name="seekers",
    description="Registered job seekers (求职登记人员), one row per person, real-name.",
    key="seeker_id",
    columns=(
        _c("seeker_id", "str", "求职者编号|人员编号", "Bureau's id of the seeker", unique=True),
        _c(
            "id_number",
            "str",
            "身份证号|公民身份号码|身份证号码",
            "18-digit resident identity number (GB 11643), checked in full",
            unique=True,
        ),
        _c("name", "str", "姓名", "Name in Chinese"),
        _c("sex", "str", "性别", "M or F (男/女 accepted)", allowed=("M", "F")),
        _c(
            "birth_date", "date", "出生日期", "Must agree with the identity number", not_future=True
        ),
        CITY_COLUMN,
        DISTRICT_COLUMN,
        _c(
            "hukou",
            "str",
            "户籍性质|户口性质",
            "urban or rural household registration",
            allowed=("urban", "rural"),
        ),
        _c("education", "str", "学历|文化程度", "Highest education level", allowed=_EDU),
        _c(
            "graduation_year",
            "int",
            "毕业年份",
            "Year of leaving school or college",
            nullable=True,
            minimum=1940,
            maximum=2100,
        ),
        _c("major", "str", "专业|所学专业", "Field of study (college graduates)", nullable=True),
        _c("skills", "list", "技能|职业技能|特长", "Skills, |-separated", nullable=True),
        _c(
            "desired_titles",
            "list",
            "求职意向|期望职位|意向岗位",
            "Desired job titles, |-separated free text",
            nullable=True,
        ),
        _c(
            "reservation_wage",
            "int",
            "期望月薪|期望工资",
            "Lowest acceptable monthly wage, yuan",
            nullable=True,
            minimum=0,
            maximum=100000,
        ),
        _c("registered_unemployed", "bool", "登记失业|是否登记失业", "Registered as unemployed"),
        _c(
            "unemployed_since",
            "date",
            "失业日期|失业登记日期",
            "Start of the current unemployment spell",
            nullable=True,
            not_future=True,
        ),
        _c(
            "registered_date",
            "date",
            "登记日期|求职登记日期",
            "Date the seeker registered with the bureau",
            not_future=True,
        ),
        _c(
            "household_id",
            "str",
            "家庭编号|户编号",
            "The seeker's household",
            references="households.household_id",
        ),
        _c("disabled", "bool", "残疾人|是否残疾", "Holds a disability certificate (残疾人)"),
        _c("returning_migrant", "bool", "返乡农民工", "Migrant worker who has returned home"),
        _c(
            "laid_off",
            "bool",
            "下岗失业人员|下岗",
            "Laid off from a state enterprise (下岗)",
            required=False,
        ),
        _c(
            "demobilised_soldier",
            "bool",
            "军队自谋职业退役人员|自谋职业退役军人",
            "Demobilised soldier who chose self-employment",
        ),
        _c(
            "model_worker",
            "bool",
            "劳动模范|县以上劳动模范",
            "Model worker of county level or above",
        ),
        _c("military_spouse", "bool", "军人配偶", "Spouse of a serving soldier"),
        _c("martyr_family", "bool", "烈属", "Family member of a martyr"),
        _c(
            "single_parent",
            "bool",
            "单亲抚养未成年人者|单亲家庭",
            "Single parent raising a minor child",
        ),
        _c(
            "cadre",
            "bool",
            "干部身份",
            "Holds a cadre post (women's retirement age 55, not 50)",
            required=False,
        ),
        _c(
            "wants_business",
            "bool",
            "有创业意愿|创业意愿|申请创业培训",
            "Wants to start a business: may take SYB training (十八)(二十四)",
            required=False,
            nullable=True,
        ),
    ),
)

HOUSEHOLDS = TableSpec(
    name="households",
    description="Households (家庭): the status flags that define priority groups.",
    key="household_id",
    columns=(
        _c("household_id", "str", "家庭编号|户编号", "Household id", unique=True),
        CITY_COLUMN,
        DISTRICT_COLUMN,
        _c(
            "members",
            "int",
            "家庭人口|人口数",
            "Number of household members",
            minimum=1,
            maximum=30,
        ),
        _c("zero_employment", "bool", "零就业家庭", "Certified urban zero-employment family"),
        _c(
            "zero_employment_since",
            "date",
            "零就业认定日期|认定日期",
            "Date certified; starts the 20-day offer clock of (三十九)",
            nullable=True,
            not_future=True,
        ),
        _c("minimum_allowance", "bool", "低保户", "Receives the minimum living allowance (低保)"),
        _c("near_minimum", "bool", "低保边缘户", "Just above the minimum-allowance line"),
        _c(
            "per_capita_income",
            "int",
            "人均收入|家庭人均月收入",
            "Monthly income per head, yuan; below the city's minimum wage makes a disabled or "
            "soldier's/martyr's household a 困难家庭 (二十七)",
            required=False,
            nullable=True,
            minimum=0,
            maximum=1000000,
        ),
        _c(
            "disabled_member",
            "bool",
            "残疾人家庭",
            "A member holds a disability certificate (残疾人家庭, 二十七)",
            required=False,
            nullable=True,
        ),
        _c(
            "military_martyr",
            "bool",
            "军烈属家庭|军烈属",
            "A serving soldier's or a martyr's household (军烈属家庭, 二十七)",
            required=False,
            nullable=True,
        ),
        _c(
            "single_parent_family",
            "bool",
            "单亲家庭",
            "A single-parent household (单亲家庭, 二十七)",
            required=False,
            nullable=True,
        ),
    ),
)

EMPLOYERS = TableSpec(
    name="employers",
    description="Employers and post-holding units (用人单位): communities, townships, firms.",
    key="employer_id",
    columns=(
        _c("employer_id", "str", "单位编号", "Employer id", unique=True),
        _c("name", "str", "单位名称", "Name in Chinese"),
        _c(
            "kind",
            "str",
            "单位类型",
            "Kind of unit",
            allowed=("community", "township", "enterprise", "institution", "agency"),
        ),
        _c("industry", "str", "行业", "Industry, free text", nullable=True),
        CITY_COLUMN,
        DISTRICT_COLUMN,
    ),
)

POSTS = TableSpec(
    name="posts",
    description="Posts and vacancies (岗位): program posts and ordinary job-fair vacancies.",
    key="post_id",
    columns=(
        _c("post_id", "str", "岗位编号", "Post id", unique=True),
        _c(
            "program", "str", "项目|岗位类别", "Which program the post belongs to", allowed=PROGRAMS
        ),
        _c(
            "employer_id",
            "str",
            "单位编号",
            "Employer offering the post",
            references="employers.employer_id",
        ),
        _c("title", "str", "岗位名称|职位名称", "Title as advertised, free text"),
        _c(
            "post_type",
            "str",
            "岗位类型",
            "Catalogue post type (welfare/grassroots)",
            nullable=True,
        ),
        _c(
            "occupation_code",
            "str",
            "职业代码",
            "CSCO 2022 occupation code",
            nullable=True,
            pattern=r"\d-\d{2}-\d{2}-\d{2}",
        ),
        CITY_COLUMN,
        DISTRICT_COLUMN,
        _c(
            "area",
            "str",
            "区域类型",
            "urban community (社区) or rural township (乡镇)",
            allowed=("urban_community", "rural_township"),
        ),
        _c("capacity", "int", "招聘人数|岗位数", "Places", minimum=0, maximum=100000),
        _c("min_education", "str", "最低学历|学历要求", "Lowest accepted education", allowed=_EDU),
        _c(
            "min_age",
            "int",
            "最低年龄",
            "Youngest accepted age",
            nullable=True,
            minimum=16,
            maximum=70,
        ),
        _c(
            "max_age",
            "int",
            "最高年龄",
            "Oldest accepted age",
            nullable=True,
            minimum=16,
            maximum=70,
        ),
        _c("wanted_skills", "list", "技能要求", "Skills wanted, |-separated", nullable=True),
        _c(
            "wage",
            "int",
            "月薪|工资|见习补贴",
            "Monthly wage, yuan (for internships the monthly allowance, 见习补贴)",
            minimum=0,
            maximum=100000,
        ),
        _c(
            "duration_months",
            "int",
            "期限(月)|见习期限|期限",
            "Months the post lasts (internships: at most 6, (十七)); empty if open-ended",
            required=False,
            nullable=True,
            minimum=1,
            maximum=120,
        ),
        _c("posted_date", "date", "发布日期", "Date the post was published", not_future=True),
        _c(
            "status",
            "str",
            "状态",
            "open, or filled/closed (history)",
            allowed=("open", "filled", "closed"),
        ),
    ),
)

TRAINING_SESSIONS = TableSpec(
    name="training_sessions",
    description="Training sessions (培训班) offered by qualified training bases.",
    key="session_id",
    optional_table=True,
    columns=(
        _c("session_id", "str", "班次编号", "Session id", unique=True),
        _c("base_id", "str", "基地编号", "Training base id"),
        _c("base_name", "str", "基地名称", "Training base name", required=False, nullable=True),
        _c("specialty", "str", "专业|培训专业", "Specialty id from the training catalogue"),
        _c("kind", "str", "培训类型", "Kind of training", allowed=TRAINING_KINDS),
        CITY_COLUMN,
        DISTRICT_COLUMN,
        _c("capacity", "int", "计划人数|容量", "Planned head-count", minimum=0, maximum=10000),
        _c("hours", "int", "学时", "Class hours", minimum=1, maximum=5000),
        _c(
            "subsidy_per_hour",
            "float",
            "每学时补贴",
            "Subsidy per class hour, yuan",
            minimum=0,
            maximum=1000,
        ),
        _c("start_date", "date", "开班日期", "First day of class"),
    ),
)

PLACEMENTS = TableSpec(
    name="placements",
    description="Historical referrals and their outcomes, to train and evaluate the ranker.",
    key="placement_id",
    optional_table=True,
    columns=(
        _c("placement_id", "str", "记录编号", "Record id", unique=True),
        _c("seeker_id", "str", "求职者编号", "Seeker referred", references="seekers.seeker_id"),
        _c("post_id", "str", "岗位编号", "Post referred to", references="posts.post_id"),
        _c("referral_date", "date", "推荐日期", "Date of the referral", not_future=True),
        _c("hired", "bool", "是否录用", "The seeker was hired"),
        _c("retained_12m", "bool", "是否留岗12个月", "Still employed there after 12 months"),
    ),
)

TRAINING_HISTORY = TableSpec(
    name="training_history",
    description="Past training classes of the bases and their outcomes (base assessment).",
    key="record_id",
    optional_table=True,
    columns=(
        _c("record_id", "str", "记录编号", "Record id", unique=True),
        _c("base_id", "str", "基地编号", "Training base id"),
        _c("specialty", "str", "专业|培训专业", "Specialty id from the training catalogue"),
        CITY_COLUMN,
        _c("period", "str", "考核期", "Half year, e.g. 2008H2", pattern=r"\d{4}H[12]"),
        _c("end_date", "date", "结业日期", "Last day of the class"),
        _c("trainees", "int", "培训人数", "Trainees who started", minimum=0, maximum=10000),
        _c("passed", "int", "合格人数", "Trainees who passed", minimum=0, maximum=10000),
        _c(
            "employed_6m",
            "int",
            "六个月内就业人数",
            "Trainees employed within six months",
            minimum=0,
            maximum=10000,
        ),
        _c("cost_yuan", "int", "培训费用", "Cost of the class, yuan", minimum=0),
    ),
)

TABLES: dict[str, TableSpec] = {
    spec.name: spec
    for spec in (
        SEEKERS,
        HOUSEHOLDS,
        EMPLOYERS,
        POSTS,
        TRAINING_SESSIONS,
        PLACEMENTS,
        TRAINING_HISTORY,
    )
}


def table(name: str) -> TableSpec:
    """The spec of table ``name``; ``KeyError`` naming the known tables if unknown."""
    try:
        return TABLES[name]
    except KeyError:
        raise KeyError(f"unknown table {name!r}; known: {', '.join(TABLES)}") from None


# Cell values accepted in place of the canonical codes (bureau registers use Chinese words).
VALUE_ALIASES: dict[str, dict[str, str]] = {
    "sex": {"男": "M", "女": "F", "m": "M", "f": "F", "male": "M", "female": "F"},
    "hukou": {"城镇": "urban", "非农业": "urban", "农村": "rural", "农业": "rural"},
    "education": {
        "小学": "primary",
        "初中": "junior_secondary",
        "高中": "senior_secondary",
        "中专": "vocational",
        "技校": "vocational",
        "职高": "vocational",
        "大专": "junior_college",
        "专科": "junior_college",
        "本科": "bachelor",
        "硕士": "master",
        "研究生": "master",
        "博士": "doctorate",
    },
    "area": {"社区": "urban_community", "城市社区": "urban_community", "乡镇": "rural_township"},
    "program": {
        "公益性岗位": "welfare",
        "基层管理和服务岗位": "grassroots",
        "见习": "internship",
        "公共就业服务岗位": "public_service",
        "招聘岗位": "vacancy",
    },
}
VALUE_ALIASES["min_education"] = VALUE_ALIASES["education"]

TRUE_WORDS = frozenset({"1", "true", "t", "yes", "y", "是", "有"})
FALSE_WORDS = frozenset({"0", "false", "f", "no", "n", "否", "无"})
LIST_SEPARATORS = r"[|、，,;；/]"
