"""Build, list and push the four images, rebuilding only what changed.

    python tools/containers/images.py build [PART ...]   # then prints the size table
    python tools/containers/images.py sizes
    python tools/containers/images.py push
    python tools/containers/images.py prune              # other tags of ours, dangling layers

Each image gets a label `gatling-fleet.inputs` holding a hash of everything its build reads: the
Dockerfile, the files its COPY lines take from the context (less .dockerignore), the base image's
id and the build arguments. An image with that label already in the store is only tagged, so a
new commit (a new TAG) that changes nothing an image reads costs no build, and CI's `make test`
is cheap once the images exist. Dependencies are resolved by pip at build time and are not in the
hash: `--force` rebuilds anyway (the tool's layer cache still applies).
Standard library only: it runs before any virtualenv exists, with any python3.
"""

from __future__ import annotations

import argparse
import fnmatch
import hashlib
import json
import os
import shlex
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
PARTS = ("waiter", "transferer", "reporter", "controller")
LABEL = "gatling-fleet.inputs"
# Bumped when the hash's recipe changes, so images hashed the old way are rebuilt.
RECIPE = "1"


@dataclass(frozen=True)
class Config:
    tool: list[str]
    registry: str
    tag: str
    base_image: str
    build_flags: list[str]
    pip_ca: Path | None

    def ref(self, part: str) -> str:
        return f"{self.registry}/gatling-{part}:{self.tag}"


def _matches(parts: Sequence[str], pattern: Sequence[str]) -> bool:
    """Docker's rule: `**` spans any number of path segments, `*` and `?` stay in one."""
    if not pattern:
        return not parts
    if pattern[0] == "**":
        return any(_matches(parts[i:], pattern[1:]) for i in range(len(parts) + 1))
    return (
        bool(parts)
        and fnmatch.fnmatchcase(parts[0], pattern[0])
        and _matches(parts[1:], pattern[1:])
    )


def _ignored(relative: str, patterns: Sequence[str]) -> bool:
    """Whether .dockerignore drops this path or a folder above it.

    Patterns are rooted at the context, as Docker reads them; `!` exceptions are not handled
    (tests/test_dockerfiles forbids them), so the hash never misses a file the build is sent.
    """
    parts = relative.split("/")
    for pattern in patterns:
        segments = [s for s in pattern.strip("/").split("/") if s and s != "."]
        if any(_matches(parts[: i + 1], segments) for i in range(len(parts))):
            return True
    return False


def dockerignore() -> list[str]:
    path = REPO_ROOT / ".dockerignore"
    lines = path.read_text().splitlines() if path.exists() else []
    return [line.strip().rstrip("/") for line in lines if line.strip() and line[0] != "#"]


def copy_sources(dockerfile: Path) -> list[str]:
    """The context paths of every COPY/ADD without --from (continuation lines joined)."""
    text = dockerfile.read_text().replace("\\\n", " ")
    sources: list[str] = []
    for line in text.splitlines():
        words = shlex.split(line, comments=True) if line.strip() else []
        if not words or words[0].upper() not in ("COPY", "ADD"):
            continue
        args = words[1:]
        if any(w.startswith("--from=") for w in args):
            continue
        sources += [w for w in args if not w.startswith("--")][:-1]
    return sources


def context_files(sources: Sequence[str], patterns: Sequence[str]) -> Iterator[Path]:
    for source in sorted(set(sources)):
        root = REPO_ROOT / source
        if root.is_file():
            candidates = [root]
        else:
            candidates = sorted(p for p in root.rglob("*") if p.is_file() or p.is_symlink())
        for path in candidates:
            if not _ignored(path.relative_to(REPO_ROOT).as_posix(), patterns):
                yield path


def inputs_hash(part: str, config: Config, base_id: str) -> str:
    dockerfile = REPO_ROOT / f"Dockerfile.{part}"
    digest = hashlib.sha256()
    digest.update(f"recipe {RECIPE}\nbase {base_id}\nbase-arg {config.base_image}\n".encode())
    digest.update(dockerfile.read_bytes())
    for path in context_files(copy_sources(dockerfile), dockerignore()):
        relative = path.relative_to(REPO_ROOT).as_posix()
        executable = os.access(path, os.X_OK)
        content = os.readlink(path).encode() if path.is_symlink() else path.read_bytes()
        file_hash = hashlib.sha256(content).hexdigest()
        digest.update(f"{relative}\0{int(executable)}\0{file_hash}\n".encode())
    return digest.hexdigest()


def _tool(config: Config, *args: str, quiet: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*config.tool, *args],
        capture_output=quiet,
        text=True,
        check=False,
    )


def image_id(config: Config, ref: str) -> str | None:
    found = _tool(config, "image", "inspect", "--format", "{{.Id}}", ref)
    return found.stdout.strip() or None if found.returncode == 0 else None


def image_with_label(config: Config, value: str) -> str | None:
    found = _tool(config, "images", "--quiet", "--no-trunc", "--filter", f"label={LABEL}={value}")
    ids = found.stdout.split() if found.returncode == 0 else []
    return ids[0] if ids else None


def build(config: Config, parts: Sequence[str], force: bool) -> dict[str, str]:
    """Build (or only tag) each part in turn, never two builds at once; how each was got."""
    base_id = image_id(config, config.base_image)
    if base_id is None:
        raise SystemExit(f"images: base image {config.base_image} missing (make base-image)")
    how: dict[str, str] = {}
    for part in parts:
        ref = config.ref(part)
        inputs = inputs_hash(part, config, base_id)
        existing = None if force else image_with_label(config, inputs)
        if existing is not None:
            if _tool(config, "tag", existing, ref).returncode != 0:
                raise SystemExit(f"images: cannot tag {existing} as {ref}")
            print(f"== {ref}: up to date ({LABEL}={inputs[:12]})", flush=True)
            how[part] = "cached"
            continue
        print(f"== {ref}: building ({LABEL}={inputs[:12]})", flush=True)
        command = ["build", *config.build_flags]
        if config.pip_ca is not None:
            # A build secret, not a build arg: it stays out of every layer and the history.
            command += ["--secret", f"id=pip-ca,src={config.pip_ca}"]
        command += ["--build-arg", f"BASE_IMAGE={config.base_image}"]
        command += ["--label", f"{LABEL}={inputs}", "-f", f"Dockerfile.{part}", "-t", ref, "."]
        start = time.monotonic()
        done = subprocess.run([*config.tool, *command], cwd=REPO_ROOT, check=False)
        if done.returncode != 0:
            raise SystemExit(f"images: building {ref} failed (exit {done.returncode})")
        how[part] = f"{time.monotonic() - start:.0f}s"
    return how


def sizes(config: Config, parts: Sequence[str], how: dict[str, str] | None = None) -> str:
    """The size table (MB as podman and docker count them: 10^6 bytes)."""
    rows = [("IMAGE", "SIZE", "BUILD")]
    for part in parts:
        ref = config.ref(part)
        found = _tool(config, "image", "inspect", ref)
        if found.returncode != 0:
            raise SystemExit(f"images: {ref} not built (make images)")
        size = json.loads(found.stdout)[0]["Size"]
        rows.append((ref, f"{size / 1e6:.0f} MB", (how or {}).get(part, "-")))
    width = max(len(row[0]) for row in rows)
    return "\n".join(f"{a:<{width}}  {b:>8}  {c:>7}" for a, b, c in rows) + "\n"


def push(config: Config, parts: Sequence[str]) -> None:
    for part in parts:
        if _tool(config, "push", config.ref(part), quiet=False).returncode != 0:
            raise SystemExit(f"images: pushing {config.ref(part)} failed")


def prune(config: Config, parts: Sequence[str]) -> None:
    """Untag every other tag of our images, then drop dangling images (old builder stages).

    Every commit is a new TAG and every rebuild leaves its builder stages behind: without this a
    machine that runs `make test` again and again fills its disk. The current tag stays, and with
    it the `gatling-fleet.inputs` label a later commit can reuse.
    """
    listed = _tool(config, "images", "--format", "{{.Repository}} {{.Tag}}")
    ours = {f"{config.registry}/gatling-{part}" for part in parts}
    stale = []
    for line in listed.stdout.splitlines():
        repository, _, tag = line.partition(" ")
        name = repository.removeprefix("localhost/")
        if name in ours and tag not in (config.tag, "<none>"):
            stale.append(f"{repository}:{tag}")
    for ref in stale:
        if _tool(config, "rmi", ref).returncode == 0:  # in use by a container: kept
            print(f"images: untagged {ref}")
    _tool(config, "image", "prune", "--force")


def parse_args(argv: Sequence[str]) -> tuple[argparse.Namespace, Config]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=["build", "sizes", "push", "prune"])
    parser.add_argument("parts", nargs="*", metavar="PART", help=f"of {', '.join(PARTS)}")
    parser.add_argument("--tool", default=os.environ.get("CONTAINER_TOOL", "podman"))
    parser.add_argument("--registry", default=os.environ.get("REGISTRY", "gatling-fleet"))
    parser.add_argument("--tag", default=os.environ.get("TAG", "dev"))
    parser.add_argument(
        "--base-image", default=os.environ.get("BASE_IMAGE", "localhost/debian:bookworm-slim")
    )
    parser.add_argument(
        "--build-flags", default=os.environ.get("CONTAINER_BUILD_FLAGS", "--network host")
    )
    parser.add_argument("--pip-ca", default=os.environ.get("PIP_CA", ""))
    parser.add_argument("--force", action="store_true", help="build even when up to date")
    args = parser.parse_args(argv)
    unknown = [part for part in args.parts if part not in PARTS]
    if unknown:
        parser.error(f"unknown image {', '.join(unknown)}; expected some of {', '.join(PARTS)}")
    args.parts = list(dict.fromkeys(args.parts)) or list(PARTS)
    tool = shlex.split(args.tool)
    if "/" in tool[0] and not Path(tool[0]).is_absolute():
        tool[0] = str(REPO_ROOT / tool[0])  # e.g. tools/containers/podman.sh
    pip_ca = Path(args.pip_ca) if args.pip_ca and Path(args.pip_ca).is_file() else None
    config = Config(
        tool=tool,
        registry=args.registry,
        tag=args.tag,
        base_image=args.base_image,
        build_flags=shlex.split(args.build_flags),
        pip_ca=pip_ca,
    )
    return args, config


def main(argv: Sequence[str]) -> int:
    args, config = parse_args(argv)
    parts = args.parts
    if args.command == "build":
        how = build(config, parts, args.force)
        print()
        print(sizes(config, parts, how), end="")
    elif args.command == "sizes":
        print(sizes(config, parts), end="")
    elif args.command == "push":
        push(config, parts)
    else:
        prune(config, parts)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
