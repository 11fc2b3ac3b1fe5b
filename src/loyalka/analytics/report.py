"""Reports of the analyses: one self-contained HTML page (charts embedded as images) and one XLSX workbook
(a sheet per table), built from the same sections.

A section is a heading with paragraphs, tables (Polars frames) and charts (matplotlib figures). Columns named
``*_minor`` hold money or points in minor units: both outputs show them in major units (a decimal, exact), under
the name without the suffix. Shares (``share``, ``*_share``, ``*_rate``) are fractions 0..1, shown as percents.
"""

from __future__ import annotations

import base64
import html
import io
import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # no screen: render to images

import polars as pl  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from loyalka.errors import InvalidInput  # noqa: E402

HTML_ROWS = 200  # a longer table is cut in the HTML (the workbook has every row)


@dataclass
class Table:
    name: str
    frame: pl.DataFrame
    caption: str | None = None
    in_html: bool = True  # False: the workbook only (long lists); the HTML names its sheet


@dataclass
class Chart:
    name: str
    png: bytes
    caption: str | None = None


@dataclass
class Section:
    heading: str
    paragraphs: list[str] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)


@dataclass
class Report:
    title: str
    subtitle: str | None = None
    sections: list[Section] = field(default_factory=list)

    def section(self, heading: str, *paragraphs: str) -> Section:
        section = Section(heading, list(paragraphs))
        self.sections.append(section)
        return section

    def write_html(self, path: str | Path) -> Path:
        return _write(path, render_html(self).encode("utf-8"))

    def write_xlsx(self, path: str | Path) -> Path:
        path = Path(path)
        _check_writable(path)
        write_xlsx(self, path)
        return path


def add_table(
    section: Section, name: str, frame: pl.DataFrame, caption: str | None = None, *, in_html: bool = True
) -> None:
    section.tables.append(Table(name, frame, caption, in_html))


def add_chart(section: Section, name: str, figure: Figure, caption: str | None = None) -> None:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    section.charts.append(Chart(name, buffer.getvalue(), caption))


def for_display(frame: pl.DataFrame) -> pl.DataFrame:
    """``*_minor`` columns as decimals in major units (renamed without the suffix); the rest as they are."""
    columns = []
    for name in frame.columns:
        if name.endswith("_minor") and frame.schema[name].is_integer():
            major = (pl.col(name).cast(pl.Decimal(38, 2)) * pl.lit(Decimal("0.01"))).cast(pl.Decimal(38, 2))
            columns.append(major.alias(name.removesuffix("_minor")))
        else:
            columns.append(pl.col(name))
    return frame.select(columns)


def _is_share(name: str) -> bool:
    return name == "share" or name.endswith(("_share", "_rate")) or name in ("retention", "churn")


def _cell(name: str, value: Any) -> str:
    if value is None:
        return "—"
    if _is_share(name) and isinstance(value, (float, Decimal)):
        return f"{float(value) * 100:.1f}%"
    if isinstance(value, Decimal):
        return f"{value:,.2f}".replace(",", "\u202f")
    if isinstance(value, float):
        return f"{value:,.3f}".replace(",", "\u202f")
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}".replace(",", "\u202f")
    return str(value)


_STYLE = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;max-width:72rem;padding:0 1rem;
color:#1d2330;line-height:1.45}h1{margin-bottom:.2rem}h2{margin-top:2.2rem;border-bottom:1px solid #d8dde6}
.sub{color:#5b6475}table{border-collapse:collapse;margin:.8rem 0;font-size:.9rem}
th,td{border:1px solid #d8dde6;padding:.25rem .5rem;text-align:right}th{background:#f2f4f8}
td:first-child,th:first-child{text-align:left}figure{margin:1rem 0}figcaption,caption{color:#5b6475;
font-size:.85rem;text-align:left;caption-side:bottom;padding-top:.3rem}img{max-width:100%}.cut{color:#5b6475}
"""


def render_html(report: Report) -> str:
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'>",
        f"<title>{html.escape(report.title)}</title><style>{_STYLE}</style></head><body>",
        f"<h1>{html.escape(report.title)}</h1>",
    ]
    if report.subtitle:
        parts.append(f"<p class='sub'>{html.escape(report.subtitle)}</p>")
    for section in report.sections:
        parts.append(f"<h2>{html.escape(section.heading)}</h2>")
        parts += [f"<p>{html.escape(p)}</p>" for p in section.paragraphs]
        for table in section.tables:
            parts.append(_html_table(table))
        for chart in section.charts:
            data = base64.b64encode(chart.png).decode("ascii")
            caption = f"<figcaption>{html.escape(chart.caption)}</figcaption>" if chart.caption else ""
            parts.append(f"<figure><img alt='{html.escape(chart.name)}' src='data:image/png;base64,{data}'>"
                         f"{caption}</figure>")  # fmt: skip
    parts.append("</body></html>")
    return "\n".join(parts)


def _html_table(table: Table) -> str:
    if not table.in_html:
        about = f" — {table.caption}" if table.caption else ""
        return (f"<p class='cut'>{html.escape(table.name)}{html.escape(about)}: {table.frame.height:,} row(s) in "
                f"the workbook, sheet {html.escape(sheet_name(table.name))}.</p>")  # fmt: skip
    frame = for_display(table.frame)
    head = "".join(f"<th>{html.escape(c)}</th>" for c in frame.columns)
    rows = []
    for row in frame.head(HTML_ROWS).iter_rows(named=True):
        rows.append("<tr>" + "".join(f"<td>{html.escape(_cell(k, v))}</td>" for k, v in row.items()) + "</tr>")
    cut = (f"<p class='cut'>{frame.height - HTML_ROWS} more row(s) in the workbook, sheet "
           f"{html.escape(sheet_name(table.name))}.</p>") if frame.height > HTML_ROWS else ""  # fmt: skip
    caption = f"<caption>{html.escape(table.caption)}</caption>" if table.caption else ""
    return f"<table>{caption}<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>{cut}"


def sheet_name(name: str) -> str:
    """An Excel sheet name: at most 31 characters, none of []:*?/\\."""
    return re.sub(r"[\[\]:*?/\\]", "-", name)[:31]


def write_xlsx(report: Report, path: Path) -> None:
    import xlsxwriter

    with xlsxwriter.Workbook(str(path)) as workbook:
        summary = workbook.add_worksheet("Summary")
        bold = workbook.add_format({"bold": True})
        row = 0
        summary.write(row, 0, report.title, bold)
        row += 2
        used: set[str] = {"Summary"}
        for section in report.sections:
            summary.write(row, 0, section.heading, bold)
            row += 1
            for paragraph in section.paragraphs:
                summary.write(row, 0, paragraph)
                row += 1
            for table in section.tables:
                name = _unique(sheet_name(table.name), used)
                for_display(table.frame).write_excel(workbook=workbook, worksheet=name, autofit=True)
                summary.write(row, 0, f"table: sheet {name}" + (f" — {table.caption}" if table.caption else ""))
                row += 1
            for chart in section.charts:
                name = _unique(sheet_name(f"chart {chart.name}"), used)
                sheet = workbook.add_worksheet(name)
                sheet.insert_image(0, 0, f"{name}.png", {"image_data": io.BytesIO(chart.png)})
                summary.write(row, 0, f"chart: sheet {name}" + (f" — {chart.caption}" if chart.caption else ""))
                row += 1
            row += 1


def _unique(name: str, used: set[str]) -> str:
    candidate, n = name, 2
    while candidate.lower() in {u.lower() for u in used}:
        suffix = f" {n}"
        candidate, n = name[: 31 - len(suffix)] + suffix, n + 1
    used.add(candidate)
    return candidate


def _check_writable(path: Path) -> None:
    if not path.parent.exists():
        raise InvalidInput(f"cannot write {path}: its folder does not exist", code="cannot_write", field="out")


def _write(path: str | Path, data: bytes) -> Path:
    path = Path(path)
    _check_writable(path)
    try:
        path.write_bytes(data)
    except OSError as exc:
        raise InvalidInput(f"cannot write {path}: {exc.strerror}", code="cannot_write", field="out") from exc
    return path
