"""Static checks of every agent image (no Docker engine here): hadolint and the image rules.

Parametrized over every `Dockerfile.<agent>` in the repository root, so a new agent's image is
checked as soon as it exists. `Dockerfile.transferer` is the model the others follow.
"""

from __future__ import annotations

import fnmatch
import json
import re
import shlex
import subprocess
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from dockerfile_parse import DockerfileParser

REPO_ROOT = Path(__file__).resolve().parents[1]
DOCKERFILES = sorted(REPO_ROOT.glob("Dockerfile.*"))
HADOLINT = Path(sys.executable).with_name("hadolint")
PYPROJECT = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())
SCRIPTS = PYPROJECT["project"]["scripts"]
EXTRAS = PYPROJECT["project"]["optional-dependencies"]

# A version tag: starts with a digit (3.11.14-slim-bookworm, 1.2); `latest` and bare names fail.
_VERSION_TAG = re.compile(r"^\d[\w.\-]*$")
# A Debian release codename pins a release as a major version does (bookworm-slim is 12.x: only
# security and point fixes); the moving names (stable, testing, sid, latest) do not match.
_RELEASE_TAG = re.compile(r"^(buster|bullseye|bookworm|trixie|forky)(-slim)?$")
# $NAME or ${NAME} in a FROM line, resolved from the ARGs declared before the first FROM.
_VARIABLE = re.compile(r"\$(?:\{(\w+)\}|(\w+))")
_EXTRAS_SPEC = re.compile(r"""\.\[([\w,\- ]+)\]""")


@dataclass
class Stage:
    image: str  # as written, e.g. ${BASE_IMAGE}
    alias: str | None
    resolved: str | None = None  # with the global ARGs' defaults; None: a variable has none
    instructions: list[tuple[str, str]] = field(default_factory=list)

    def values(self, instruction: str) -> list[str]:
        return [value for name, value in self.instructions if name == instruction]


def stages(path: Path) -> list[Stage]:
    with path.open("rb") as fh:
        structure = DockerfileParser(fileobj=fh).structure
    found: list[Stage] = []
    global_args: dict[str, str | None] = {}  # only ARGs before the first FROM reach FROM lines
    for item in structure:
        name, value = item["instruction"], item["value"]
        if name == "FROM":
            words = [w for w in value.split() if not w.startswith("--")]
            alias = words[2] if len(words) == 3 and words[1].lower() == "as" else None
            found.append(Stage(words[0], alias, _resolve(words[0], global_args)))
        elif name == "ARG" and not found:
            for word in shlex.split(value):
                key, eq, default = word.partition("=")
                global_args[key] = default if eq else None
        elif name != "COMMENT" and found:
            found[-1].instructions.append((name, value))
    return found


def _resolve(image: str, args: dict[str, str | None]) -> str | None:
    """The image with each $VAR / ${VAR} replaced by its ARG default; None if one has none."""
    unresolved = False

    def default(match: re.Match[str]) -> str:
        nonlocal unresolved
        value = args.get(match.group(1) or match.group(2))
        unresolved = unresolved or value is None
        return value or ""

    resolved = _VARIABLE.sub(default, image)
    return None if unresolved else resolved


def problems(path: Path) -> list[str]:
    """Every broken image rule of one Dockerfile, as readable lines (empty: all good)."""
    agent = path.name.split(".", 1)[1]
    all_stages = stages(path)
    if len(all_stages) < 2:
        return ["not multi-stage: expected a builder stage and a runtime stage"]
    found = _pinning(all_stages)
    final, builders = all_stages[-1], all_stages[:-1]
    found += _final_user(final)
    found += _entrypoint(final, agent)
    found += _builder_extra(builders, agent)
    if "pip install" in " ".join(final.values("RUN")):
        found.append("the final stage runs pip; it should copy the builder's venv only")
    with path.open("rb") as fh:
        envs = DockerfileParser(fileobj=fh).envs
    if envs.get("PYTHONUNBUFFERED") != "1":
        found.append("PYTHONUNBUFFERED=1 is not set in the final stage")
    return found


def _pinning(all_stages: list[Stage]) -> list[str]:
    found, aliases = [], set()
    for stage in all_stages:
        image, resolved = stage.image, stage.resolved
        if resolved is None:
            found.append(f"FROM {image}: a variable without an ARG default hides the version")
        elif resolved not in aliases:
            shown = image if resolved == image else f"{image} (= {resolved})"
            _, _, tag = resolved.rpartition("/")[2].partition(":")
            tag = tag.split("@")[0]
            pinned = _VERSION_TAG.match(tag) or _RELEASE_TAG.match(tag)
            if "@sha256:" not in resolved and not pinned:
                found.append(f"FROM {shown}: not pinned to a version tag")
        if stage.alias:
            aliases.add(stage.alias)
    return found


def _final_user(final: Stage) -> list[str]:
    users = final.values("USER")
    if not users:
        return ["the final stage has no USER (runs as root)"]
    uid, _, gid = users[-1].strip().partition(":")
    if uid != "1000" or gid not in ("", "1000"):
        return [f"USER {users[-1]}: expected the numeric non-root user 1000:1000"]
    return []


def _entrypoint(final: Stage, agent: str) -> list[str]:
    entrypoints = final.values("ENTRYPOINT")
    if not entrypoints:
        return ["no ENTRYPOINT in the final stage"]
    try:
        command = json.loads(entrypoints[-1])
    except json.JSONDecodeError:
        return [f"ENTRYPOINT {entrypoints[-1]}: use the exec (JSON) form"]
    expected = f"gatling-{agent}"
    if command[:1] != [expected]:
        return [f'ENTRYPOINT {entrypoints[-1]}: expected ["{expected}"]']
    if expected not in SCRIPTS:
        return [f"ENTRYPOINT {expected}: not a console script in pyproject [project.scripts]"]
    return []


def _builder_extra(builders: list[Stage], agent: str) -> list[str]:
    for stage in builders:
        for run in stage.values("RUN"):
            if "pip install" not in run:
                continue
            for word in shlex.split(run):
                match = _EXTRAS_SPEC.search(word)
                if match and agent in [e.strip() for e in match.group(1).split(",")]:
                    if agent not in EXTRAS:
                        return [f".[{agent}]: no such extra in pyproject"]
                    return []
    return [f"no builder stage runs pip install '.[{agent}]'"]


def test_there_are_dockerfiles() -> None:
    assert REPO_ROOT / "Dockerfile.transferer" in DOCKERFILES


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda p: p.name)
def test_hadolint_passes_at_error_level(dockerfile: Path) -> None:
    result = subprocess.run(
        [str(HADOLINT), "--failure-threshold", "error", str(dockerfile)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda p: p.name)
def test_image_rules(dockerfile: Path) -> None:
    assert problems(dockerfile) == []


def dockerignore_patterns() -> list[str]:
    lines = (REPO_ROOT / ".dockerignore").read_text().splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def copy_sources(path: Path) -> list[str]:
    """The build-context paths the Dockerfile copies (not `COPY --from=<stage>`)."""
    sources = []
    for stage in stages(path):
        for value in stage.values("COPY") + stage.values("ADD"):
            words = shlex.split(value)
            if any(w.startswith("--from=") for w in words):
                continue
            sources += [w for w in words if not w.startswith("--")][:-1]
    return sources


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda p: p.name)
def test_what_the_build_copies_is_in_the_context(dockerfile: Path) -> None:
    """Every COPY source exists and .dockerignore does not drop it (the build would fail)."""
    patterns = dockerignore_patterns()
    assert not [p for p in patterns if p.startswith("!")], "negations: extend this check"
    for source in copy_sources(dockerfile):
        assert (REPO_ROOT / source).exists(), source
        assert not [p for p in patterns if fnmatch.fnmatch(source, p)], source


def test_the_context_leaves_out_the_bulky_and_the_secret() -> None:
    patterns = dockerignore_patterns()
    for path in (".git", ".venv", "tools/node/node_modules", "tests", "demo-out"):
        assert any(fnmatch.fnmatch(path, p) for p in patterns), path


def test_the_rules_catch_a_careless_image(tmp_path: Path) -> None:
    """The checks above can fail: a Dockerfile breaking every rule is reported rule by rule."""
    bad = tmp_path / "Dockerfile.transferer"
    bad.write_text(
        "FROM python:latest AS builder\n"
        "RUN pip install .\n"
        "FROM python:3.11-slim-bookworm\n"
        "RUN pip install gatling-fleet\n"
        "USER root\n"
        "ENTRYPOINT gatling-transferer\n"
    )
    assert problems(bad) == [
        "FROM python:latest: not pinned to a version tag",
        "USER root: expected the numeric non-root user 1000:1000",
        "ENTRYPOINT gatling-transferer: use the exec (JSON) form",
        "no builder stage runs pip install '.[transferer]'",
        "the final stage runs pip; it should copy the builder's venv only",
        "PYTHONUNBUFFERED=1 is not set in the final stage",
    ]


def test_the_rules_want_the_agents_own_script_and_extra(tmp_path: Path) -> None:
    bad = tmp_path / "Dockerfile.waiter"
    bad.write_text(
        "FROM python:3.11.14-slim-bookworm AS builder\n"
        'RUN pip install ".[transferer]"\n'
        "FROM python@sha256:" + "0" * 64 + "\n"
        "ENV PYTHONUNBUFFERED=1\n"
        "USER 1000:1000\n"
        'ENTRYPOINT ["gatling-transferer"]\n'
    )
    assert problems(bad) == [
        'ENTRYPOINT ["gatling-transferer"]: expected ["gatling-waiter"]',
        "no builder stage runs pip install '.[waiter]'",
    ]


def _with_base(tmp_path: Path, preamble: str, base: str) -> Path:
    """A Dockerfile obeying every rule but the base image's, which comes from `preamble`."""
    path = tmp_path / "Dockerfile.transferer"
    path.write_text(
        f"{preamble}FROM {base} AS builder\n"
        'RUN pip install ".[transferer]"\n'
        "FROM builder\n"
        "ENV PYTHONUNBUFFERED=1\n"
        "USER 1000:1000\n"
        'ENTRYPOINT ["gatling-transferer"]\n'
    )
    return path


@pytest.mark.parametrize(
    ("preamble", "base"),
    [
        ("ARG BASE_IMAGE=debian:bookworm-slim\n", "${BASE_IMAGE}"),
        ("ARG BASE_IMAGE=docker.io/library/debian:12.12-slim\n", "$BASE_IMAGE"),
        ('ARG REPO=debian TAG="bookworm"\n', "${REPO}:${TAG}"),
        ("", "localhost/debian:bookworm-slim"),
    ],
)
def test_a_base_pinned_by_an_arg_default_or_a_release_name_passes(
    tmp_path: Path, preamble: str, base: str
) -> None:
    assert problems(_with_base(tmp_path, preamble, base)) == []


@pytest.mark.parametrize(
    ("preamble", "base", "problem"),
    [
        (
            "ARG BASE_IMAGE=debian:latest\n",
            "${BASE_IMAGE}",
            "FROM ${BASE_IMAGE} (= debian:latest): not pinned to a version tag",
        ),
        (
            "ARG BASE_IMAGE=debian:stable-slim\n",
            "${BASE_IMAGE}",
            "FROM ${BASE_IMAGE} (= debian:stable-slim): not pinned to a version tag",
        ),
        (
            "ARG BASE_IMAGE=debian\n",
            "$BASE_IMAGE",
            "FROM $BASE_IMAGE (= debian): not pinned to a version tag",
        ),
        (
            "ARG BASE_IMAGE\n",
            "${BASE_IMAGE}",
            "FROM ${BASE_IMAGE}: a variable without an ARG default hides the version",
        ),
        # An ARG inside a stage does not reach a later FROM line (Docker's scoping).
        (
            "FROM debian:bookworm-slim AS first\nARG BASE_IMAGE=debian:bookworm-slim\n",
            "${BASE_IMAGE}",
            "FROM ${BASE_IMAGE}: a variable without an ARG default hides the version",
        ),
    ],
)
def test_a_moving_or_unresolvable_base_fails(
    tmp_path: Path, preamble: str, base: str, problem: str
) -> None:
    assert problems(_with_base(tmp_path, preamble, base)) == [problem]
