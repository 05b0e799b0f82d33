"""docs/architecture.md matches the tree (issue #28).

Every top-level module (``automsg_sync/*.py`` but ``__init__``/``__main__``) and
package (``automsg_sync/*/`` with an ``__init__.py``) is named on the page as
`` `name.py` `` or `` `name/` ``, so a room added without its line fails the
build; every module path the page names in backquotes exists, so a room removed
or renamed leaves no stale line; and every relative link points at a file.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "automsg_sync"
DOC = ROOT / "docs" / "architecture.md"
PROJECT_FOLDERS = ("tests/", "docs/", "samples/", "bench/")  # paths from the project root

# `name.py`, `name/`, `lp/http.py`, `tests/test_diff.py`: a whole backquoted path
NAMED = re.compile(r"`((?:[a-z_][a-z0-9_]*/)*(?:[a-z_][a-z0-9_]*\.py|[a-z_][a-z0-9_]*/))`")
LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")


def rooms(package: Path) -> set[str]:
    """The package's top-level modules as ``name.py`` and sub-packages as ``name/``."""
    modules = {p.name for p in package.glob("*.py") if p.stem not in ("__init__", "__main__")}
    packages = {f"{p.parent.name}/" for p in package.glob("*/__init__.py")}
    return modules | packages


def named(text: str) -> set[str]:
    return set(NAMED.findall(text))


def unnamed_rooms(text: str, package: Path) -> set[str]:
    return rooms(package) - named(text)


def stale_names(text: str, root: Path, package: Path) -> set[str]:
    stale = set()
    for name in named(text):
        base = root if name.startswith(PROJECT_FOLDERS) else package
        if not (base / name).exists():
            stale.add(name)
    return stale


def test_every_room_has_its_line() -> None:
    missing = unnamed_rooms(DOC.read_text(encoding="utf-8"), PACKAGE)
    assert not missing, f"docs/architecture.md does not name {sorted(missing)}: add a line for each"


def test_every_named_module_exists() -> None:
    stale = stale_names(DOC.read_text(encoding="utf-8"), ROOT, PACKAGE)
    assert not stale, f"docs/architecture.md names {sorted(stale)}, which do not exist"


def test_relative_links_point_at_files() -> None:
    targets = LINK.findall(DOC.read_text(encoding="utf-8"))
    relative = [t for t in targets if "://" not in t and not t.startswith("mailto:")]
    assert relative, "the page links to the README and liveperson.md"
    broken = [t for t in relative if not (DOC.parent / t).exists()]
    assert not broken, f"docs/architecture.md links to missing files: {broken}"


def test_the_checks_can_fail(tmp_path: Path) -> None:
    package = tmp_path / "automsg_sync"
    (package / "lp").mkdir(parents=True)
    for name in ("__init__.py", "__main__.py", "diff.py", "new_room.py", "lp/__init__.py"):
        (package / name).write_text("")
    (package / "notes").mkdir()  # a folder without __init__.py is not a package
    doc = "| `diff.py` | … |\n| `lp/` | … |\n| `gone.py` | … |\nsee `lp/http.py` and `tests/x.py`\n"
    assert rooms(package) == {"diff.py", "new_room.py", "lp/"}
    assert unnamed_rooms(doc, package) == {"new_room.py"}
    assert stale_names(doc, tmp_path, package) == {"gone.py", "lp/http.py", "tests/x.py"}


def test_every_package_has_its_tests_named_after_it() -> None:
    """Tests mirror the package (issue #28): a package's tests are tests/test_<package>*.py."""
    packages = sorted(p.parent.name for p in PACKAGE.glob("*/__init__.py"))
    tests = [p.name for p in (ROOT / "tests").glob("test_*.py")]
    missing = [name for name in packages if not any(t.startswith(f"test_{name}") for t in tests)]
    assert packages and not missing, f"no tests/test_<package>*.py for {missing}"
