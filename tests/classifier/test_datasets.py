"""Reading CSVs: configurable columns, deduplication with a report, clear errors."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from hotline.classifier.datasets import DatasetError, parse_columns, read_csvs


def write_csv(path: Path, header: list[str], rows: list[list[str]], encoding: str = "utf-8") -> Path:
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def test_text_columns_are_joined_and_duplicates_dropped_across_files(tmp_path: Path) -> None:
    header = ["留言主题", "留言详情", "一级标签"]
    first = write_csv(
        tmp_path / "a.csv",
        header,
        [
            ["路灯坏了", "小区门口的路灯坏了，晚上很黑。", "城乡建设"],
            ["学校乱收费", "学校收取补课费。", "教育文体"],
            ["", "", "城乡建设"],
            ["没有标签", "这一行没有标签", ""],
        ],
    )
    second = write_csv(
        tmp_path / "b.csv",
        header,
        [
            ["", "路灯 坏了 小区 门口 的 路灯 坏了 晚上 很 黑", "城乡建设"],  # same message, segmented
            ["学校乱收费", "学校收取补课费。", "商贸旅游"],  # same text, another label
        ],
    )
    data = read_csvs([first, second], "留言主题,留言详情", "一级标签")
    assert data.texts[0] == "路灯坏了\n小区门口的路灯坏了，晚上很黑。"
    assert data.labels == ["城乡建设", "教育文体", "商贸旅游"]
    report = data.report
    assert (report.rows_read, report.kept) == (6, 3)
    assert report.dropped_no_text == 1
    assert report.dropped_no_label == 1
    assert report.dropped_duplicate == 1
    assert report.conflicting_labels == 1


def test_unlabelled_files_skip_messages_already_labelled(tmp_path: Path) -> None:
    labelled = write_csv(tmp_path / "l.csv", ["text", "label"], [["路灯坏了", "城乡建设"]])
    unlabelled = write_csv(tmp_path / "u.csv", ["text"], [["路灯坏了！"], ["井盖丢了"]])
    seen: set[str] = set()
    read_csvs([labelled], "text", "label", seen=seen)
    pool = read_csvs([unlabelled], "text", None, seen=seen)
    assert pool.texts == ["井盖丢了"]
    assert pool.labels == [""]


def test_missing_column_names_the_columns_that_exist(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "x.csv", ["Complaint Type", "Agency"], [["Noise", "NYPD"]])
    with pytest.raises(DatasetError, match="Descriptor") as info:
        read_csvs([path], "Complaint Type,Descriptor", "Agency")
    assert "Complaint Type" in str(info.value)


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="File not found"):
        read_csvs([tmp_path / "nope.csv"], "text", "label")


def test_gb18030_csv_from_excel_is_read(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "gbk.csv", ["内容", "类别"], [["噪音扰民", "环境保护"]], encoding="gb18030")
    data = read_csvs([path], "内容", "类别")
    assert data.texts == ["噪音扰民"]


def test_columns_accept_chinese_comma() -> None:
    assert parse_columns("留言主题，留言详情") == ["留言主题", "留言详情"]
    with pytest.raises(DatasetError):
        parse_columns(" , ")
