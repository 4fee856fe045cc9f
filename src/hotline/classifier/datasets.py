"""Reading labelled and unlabelled messages from CSV files.

Column names are parameters so that the same code reads the 12345 message boards (留言主题, 留言详情 →
一级标签), New York 311 exports (Complaint Type, Descriptor → Agency) or the platform's own closed
tickets. The same message often appears in several files (and in raw and segmented form), so rows
are deduplicated on their normalised text, and every dropped row is counted in a report.
"""

from __future__ import annotations

import csv
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from hotline.classifier.text import NothingToClassify, normalise


class DatasetError(ValueError):
    """A file cannot be read as asked (missing file or column, unknown encoding)."""


@dataclass
class ReadReport:
    """What happened to the rows of the files read."""

    files: list[str] = field(default_factory=list)
    rows_read: int = 0
    kept: int = 0
    dropped_no_text: int = 0
    dropped_no_label: int = 0
    dropped_duplicate: int = 0
    conflicting_labels: int = 0

    def as_dict(self) -> dict[str, object]:
        """A JSON-ready form for CLI output."""
        return {
            "files": self.files,
            "rows_read": self.rows_read,
            "kept": self.kept,
            "dropped_no_text": self.dropped_no_text,
            "dropped_no_label": self.dropped_no_label,
            "dropped_duplicate": self.dropped_duplicate,
            "conflicting_labels": self.conflicting_labels,
        }


@dataclass
class Dataset:
    """Texts (joined columns, as written) with their labels (empty for unlabelled data)."""

    texts: list[str]
    labels: list[str]
    report: ReadReport

    def __len__(self) -> int:
        return len(self.texts)


def parse_columns(spec: str | Sequence[str]) -> list[str]:
    """``"留言主题,留言详情"`` (or ``"留言主题，留言详情"``) as a list of column names."""
    parts = spec.replace("，", ",").split(",") if isinstance(spec, str) else list(spec)
    columns = [p.strip() for p in parts if p.strip()]
    if not columns:
        raise DatasetError("未指定文本列。(No text column given.)")
    return columns


def _open_rows(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    if not path.is_file():
        raise DatasetError(f"找不到文件：{path}(File not found: {path})")
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
    # Excel in China saves CSV as GB18030; everything else here is UTF-8 (with or without BOM).
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            with path.open(encoding=encoding, newline="") as handle:
                reader = csv.DictReader(handle)
                rows = list(reader)
                return list(reader.fieldnames or []), rows
        except UnicodeDecodeError:
            continue
    raise DatasetError(f"无法识别文件编码：{path}(Unknown encoding, expected UTF-8 or GB18030: {path})")


def dedupe_key(text: str) -> str | None:
    """The key under which two texts count as the same message (normalised, spaces removed)."""
    result = normalise(text)
    if isinstance(result, NothingToClassify):
        return None
    return result.text.replace(" ", "")


#: Categorical text: at least this share of rows repeats an earlier row's text ...
REPEATED_SHARE = 0.2
#: ... and half the texts are shorter than this (normalised characters).
CATEGORICAL_LENGTH = 40


def repeats_by_design(texts: Sequence[str]) -> bool:
    """Whether ``texts`` are category labels repeated by design (a 311 complaint type and
    descriptor: a repeat is another request) rather than free text, where a repeat is a copy.

    Free-text messages almost never repeat (5 of the 1,102 raw 12345 messages); the New York
    sample repeats 73 % of its rows, each a few words long.
    """
    keys = [k for k in (dedupe_key(t) for t in texts) if k]
    if not keys:
        return False
    repeated = 1 - len(set(keys)) / len(keys)
    lengths = sorted(len(k) for k in keys)
    return repeated >= REPEATED_SHARE and lengths[len(lengths) // 2] < CATEGORICAL_LENGTH


def read_csvs(
    paths: Iterable[str | Path],
    text_columns: str | Sequence[str],
    label_column: str | None = None,
    seen: set[str] | None = None,
    dedupe: bool = True,
) -> Dataset:
    """Rows of ``paths`` as one deduplicated :class:`Dataset`.

    ``label_column=None`` reads unlabelled data. ``seen`` holds keys of texts already taken (from
    other files); it is updated, so labelled and unlabelled files can share it and a message never
    counts twice. Same text with a different label is kept (the data really has such rows) and
    counted as ``conflicting_labels``. ``dedupe=False`` keeps repeats: right for categorical text
    such as a 311 complaint type, where a repeat is another request, not a copy.
    """
    columns = parse_columns(text_columns)
    report = ReadReport()
    texts: list[str] = []
    labels: list[str] = []
    seen = set() if seen is None else seen
    label_of: dict[str, str] = {}
    for raw_path in paths:
        path = Path(raw_path)
        header, rows = _open_rows(path)
        wanted = [*columns, *([label_column] if label_column else [])]
        missing = [c for c in wanted if c not in header]
        if missing:
            raise DatasetError(
                f"文件 {path} 缺少列：{', '.join(missing)}；现有列：{', '.join(header)}"
                f"(Missing column(s) {missing} in {path}; columns are {header})"
            )
        report.files.append(str(path))
        for row in rows:
            report.rows_read += 1
            text = "\n".join((row.get(c) or "").strip() for c in columns).strip()
            label = (row.get(label_column) or "").strip() if label_column else ""
            key = dedupe_key(text)
            if key is None:
                report.dropped_no_text += 1
                continue
            if label_column and not label:
                report.dropped_no_label += 1
                continue
            if dedupe and key in seen:
                if label_column and key in label_of and label_of[key] != label:
                    report.conflicting_labels += 1
                    label_of[key] = label
                else:
                    report.dropped_duplicate += 1
                    continue
            seen.add(key)
            label_of[key] = label
            texts.append(text)
            labels.append(label)
    report.kept = len(texts)
    return Dataset(texts=texts, labels=labels, report=report)
