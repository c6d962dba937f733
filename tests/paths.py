"""Paths the tests refer to."""

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
NOTICE_PATH = PROJECT_ROOT / "knowledge" / "data" / "notice" / "wukehan-2021-10.txt"
SHARED_NOTICE = PROJECT_ROOT.parent / "shared" / "data" / "notice-wukehan-2021-10.txt"
DIRECTORY_PATH = PROJECT_ROOT / "knowledge" / "data" / "directory.yml"
