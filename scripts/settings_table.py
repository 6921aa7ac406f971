"""The README's settings table, from the settings classes. `--write` updates README.md (`make docs`);
tests/unit/test_readme.py fails when the two disagree."""

from __future__ import annotations

import sys
from pathlib import Path

from sluice.settings import CommonSettings, IngestSettings, ProcessorSettings, StatusSettings


def rows() -> list[tuple[str, str, str, str]]:
    found: dict[str, tuple[str, str, str, str]] = {}
    for cls, who in (
        (CommonSettings, "all"),
        (IngestSettings, "ingest"),
        (ProcessorSettings, "processor"),
        (StatusSettings, "status"),
    ):
        for name in cls.__annotations__:  # own fields only; CommonSettings' come once, as "all"
            info = cls.model_fields[name]
            env = f"SLUICE_{name.upper()}"
            if env in found:  # declared by two services: one row naming both
                first = found[env]
                shown = (
                    first[1]
                    if first[1] == f"`{info.default}`"
                    else f"{first[1]} ({first[2]}), `{info.default}` ({who})"
                )
                found[env] = (env, shown, f"{first[2]}, {who}", first[3])
                continue
            shown = "(empty)" if info.default == "" else f"`{info.default}`"
            found[env] = (env, shown, who, info.description or "")
    return list(found.values())


def table() -> str:
    lines = ["| Variable | Default | Used by | Meaning |", "| --- | --- | --- | --- |"]
    lines += [f"| `{env}` | {default} | {who} | {text} |" for env, default, who, text in rows()]
    return "\n".join(lines)


def write_readme(path: Path) -> None:
    """Replace the table between the README's settings markers."""
    text = path.read_text()
    start = text.index(START) + len(START)
    end = text.index(END)
    path.write_text(text[:start] + "\n" + table() + "\n" + text[end:])


START = "<!-- settings:start (generated: `make docs`) -->"
END = "<!-- settings:end -->"

if __name__ == "__main__":
    if "--write" in sys.argv:
        write_readme(Path(__file__).resolve().parent.parent / "README.md")
    else:
        print(table())
