"""Uploads as officers make them (GBK CSV, .xlsx workbooks with a title row, 序号 and city
names) and exports they open in Excel (BOM, .xlsx, Content-Disposition)."""

from __future__ import annotations

import io
from typing import Any

import openpyxl
import pandas as pd
from service_fixtures import Service
from test_api_routes import _seeker_rows

from matcher import idnumber
from matcher.generator import GeneratedProvince
from matcher.io.excel import BOM
from matcher.io.sheets import XLSX_CONTENT_TYPE


def _workbook(rows: pd.DataFrame, *, numeric_ids: bool = False) -> bytes:
    """``rows`` as a bureau workbook: a title row above Chinese headers, 序号, city names."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["2009年沈阳市求职登记人员名单"])
    sheet.append(["序号", "人员编号", "身份证号", "姓名", *rows.columns[3:]])
    for position, row in enumerate(rows.to_dict("records"), start=1):
        row["city"] = "沈阳市"
        if numeric_ids and row["id_number"].isdigit():  # one ending in X stays text
            row["id_number"] = float(row["id_number"])
        values = [row["seeker_id"], row["id_number"], row["name"]]
        values += [row[c] for c in rows.columns[3:]]
        sheet.append([position, *values])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


_PREFIXES = "GXEN"


def _rows(province: GeneratedProvince, prefix: str, service: Service, n: int = 3) -> pd.DataFrame:
    """``n`` new seekers of city 2101, with identity numbers of their own for each prefix."""
    rows = _seeker_rows(province, "2101", n, f"{prefix}{service.engine.dialect.name[:2]}")
    births = pd.to_datetime(rows["birth_date"])
    base = 100 + 20 * _PREFIXES.index(prefix)
    rows["id_number"] = [
        idnumber.make(
            rows["district"].iloc[i],
            births.iloc[i].date(),
            base + 2 * i + (rows["sex"].iloc[i] == "M"),
        )
        for i in range(n)
    ]
    first = ["seeker_id", "id_number", "name"]
    return rows[first + [c for c in rows.columns if c not in first]]


def test_gbk_csv_upload_honours_the_charset_and_is_detected_without_it(
    client: Any, service: Service, province: GeneratedProvince
) -> None:
    headers = service.headers(service.city_key)
    rows = _rows(province, "G", service)
    rows["name"] = ["张三", "李四", "王五"]
    body = rows.to_csv(index=False).encode("gbk")
    for content_type in ("text/csv; charset=gbk", "text/csv; charset=GB18030", "text/csv"):
        response = client.post(
            "/api/v1/seekers", content=body, headers={**headers, "Content-Type": content_type}
        )
        assert response.status_code == 200, response.text
    seeker = client.get(f"/api/v1/seekers/{rows['seeker_id'].iloc[1]}", headers=headers)
    assert seeker.json()["name"] == "李四"
    declared_wrong = client.post(
        "/api/v1/seekers",
        content=body,
        headers={**headers, "Content-Type": "text/csv; charset=utf-8"},
    )
    assert declared_wrong.status_code == 422
    assert "not utf-8 text" in declared_wrong.json()["errors"][0]["message"].lower()


def test_xlsx_upload_by_media_type_or_signature(
    client: Any, service: Service, province: GeneratedProvince
) -> None:
    headers = service.headers(service.city_key)
    rows = _rows(province, "X", service)
    body = _workbook(rows)
    for content_type in (XLSX_CONTENT_TYPE, "application/octet-stream"):
        response = client.post(
            "/api/v1/seekers", content=body, headers={**headers, "Content-Type": content_type}
        )
        assert response.status_code == 200, response.text
    assert response.json()["updated"] == 3
    seeker = client.get(f"/api/v1/seekers/{rows['seeker_id'].iloc[0]}", headers=headers).json()
    assert seeker["city"] == "2101"


def test_xlsx_upload_errors_name_the_sheet_row(
    client: Any, service: Service, province: GeneratedProvince
) -> None:
    headers = {**service.headers(service.city_key), "Content-Type": XLSX_CONTENT_TYPE}
    rows = _rows(province, "E", service)
    rows.loc[rows.index[1], "education"] = "college"
    response = client.post("/api/v1/seekers", content=_workbook(rows), headers=headers)
    assert response.status_code == 422
    # Title on row 1, header on row 2: the second person is on row 4.
    assert (4, "education") in {(e["row"], e["column"]) for e in response.json()["errors"]}
    rows = _rows(province, "N", service)
    numbers = client.post(
        "/api/v1/seekers", content=_workbook(rows, numeric_ids=True), headers=headers
    )
    assert numbers.status_code == 422
    [error] = numbers.json()["errors"]
    first = 3 + rows["id_number"].str.isdigit().tolist().index(True)
    assert error["row"] == first and error["column"] == "id_number"
    assert "stored as a number" in error["message"]
    broken = client.post("/api/v1/seekers", content=b"PK\x03\x04broken", headers=headers)
    assert broken.status_code == 422
    assert broken.json()["errors"][0]["message"].startswith("workbook: cannot be read")


def test_exports_open_in_excel(client: Any, service: Service) -> None:
    headers = service.headers(service.city_key)
    base = f"/api/v1/runs/{service.run_id}/export"
    csv = client.get(f"{base}/placements.csv", headers=headers)
    assert csv.status_code == 200
    assert csv.content.startswith(BOM + b"seeker_id,")
    assert csv.headers["content-disposition"] == (
        f'attachment; filename="run-{service.run_id}-placements.csv"; '
        f"filename*=UTF-8''run-{service.run_id}-placements.csv"
    )
    workbook = client.get(f"{base}/placements.xlsx", headers=headers)
    assert workbook.status_code == 200
    assert workbook.headers["content-type"] == XLSX_CONTENT_TYPE
    assert "attachment;" in workbook.headers["content-disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(workbook.content)).active
    assert sheet is not None
    header = [cell.value for cell in next(sheet.iter_rows(max_row=1))]
    assert ",".join(header) == csv.content[3:].split(b"\n", 1)[0].decode()
    assert sheet.max_row == csv.content.count(b"\n")
    assert client.get(f"{base}/summary.xlsx", headers=headers).status_code == 422
