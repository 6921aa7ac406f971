"""Print the README's settings table from the settings classes (tests/unit/test_readme.py keeps them in sync)."""

from __future__ import annotations

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


if __name__ == "__main__":
    print(table())
