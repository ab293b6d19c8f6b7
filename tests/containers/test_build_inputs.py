"""What decides that an image is up to date (tools/containers/images.py): no engine needed.

An image is rebuilt exactly when its inputs hash changes; these check that the hash follows what
the build reads and ignores what .dockerignore drops, or `make images` would skip a needed build.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tools.containers import images

DOCKERFILE = """\
ARG BASE_IMAGE=debian:bookworm-slim
FROM ${BASE_IMAGE} AS builder
COPY pyproject.toml ./
COPY --chown=1000:1000 common \\
     ./common
COPY --from=builder /opt/venv /opt/venv
RUN pip install ".[waiter]"
"""


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "Dockerfile.waiter").write_text(DOCKERFILE)
    (tmp_path / ".dockerignore").write_text("# comment\n**/__pycache__\n*.egg-info\ntests\n")
    (tmp_path / "pyproject.toml").write_text("[project]\n")
    (tmp_path / "common" / "pkg" / "__pycache__").mkdir(parents=True)
    (tmp_path / "common" / "pkg" / "mod.py").write_text("x = 1\n")
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_x.py").write_text("")
    monkeypatch.setattr(images, "REPO_ROOT", tmp_path)
    return tmp_path


def _hash(base_id: str = "sha256:base", base_image: str = "debian:bookworm-slim") -> str:
    config = images.Config(["podman"], "reg", "tag", base_image, [], None)
    return images.inputs_hash("waiter", config, base_id)


def test_the_copy_sources_skip_other_stages_and_join_continued_lines(repo: Path) -> None:
    assert images.copy_sources(repo / "Dockerfile.waiter") == ["pyproject.toml", "common"]


def test_the_hash_follows_what_the_build_copies(repo: Path) -> None:
    first = _hash()
    assert _hash() == first
    (repo / "common" / "pkg" / "mod.py").write_text("x = 2\n")
    second = _hash()
    assert second != first
    (repo / "common" / "pkg" / "new.py").write_text("")
    third = _hash()
    assert third != second
    (repo / "common" / "pkg" / "new.py").chmod(0o755)
    assert _hash() != third


def test_the_hash_follows_the_dockerfile_and_the_base(repo: Path) -> None:
    first = _hash()
    assert _hash(base_id="sha256:other") != first
    assert _hash(base_image="localhost/debian:bookworm-slim") != first
    (repo / "Dockerfile.waiter").write_text(DOCKERFILE + "USER 1000:1000\n")
    assert _hash() != first


def test_the_hash_ignores_what_the_context_leaves_out(repo: Path) -> None:
    first = _hash()
    (repo / "common" / "pkg" / "__pycache__" / "mod.cpython-311.pyc").write_bytes(b"\0")
    (repo / "tests" / "test_x.py").write_text("changed")
    (repo / "README.md").write_text("not copied by this Dockerfile")
    assert _hash() == first
    # `*.egg-info` is rooted: Docker sends common/pkg.egg-info, so it counts.
    (repo / "common" / "pkg.egg-info").mkdir()
    (repo / "common" / "pkg.egg-info" / "PKG-INFO").write_text("")
    assert _hash() != first


@pytest.mark.parametrize(
    ("path", "ignored"),
    [
        ("common/a/__pycache__/m.pyc", True),
        ("__pycache__/m.pyc", True),
        ("common/x.egg-info/PKG-INFO", False),  # rooted, as Docker reads it
        ("a/b/c/__pycache__", True),
        ("common/a/__pycache__x/m.py", False),
        ("x.egg-info/PKG-INFO", True),
        ("tests/test_x.py", True),
        ("common/tests/data.txt", False),
        ("common/a/mod.py", False),
    ],
)
def test_dockerignore_patterns_match_as_docker_does(path: str, ignored: bool) -> None:
    patterns = ["**/__pycache__", "*.egg-info", "tests"]
    assert images._ignored(path, patterns) is ignored
