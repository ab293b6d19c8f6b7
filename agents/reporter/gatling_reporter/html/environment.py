"""The pages' jinja2 environment, with the templates compiled ahead of time when they can be.

`python -m gatling_reporter.html.environment [--out DIR] [--force]` compiles every template of
html/templates/ with jinja2's own compiler into a Python module, as
`Environment.compile_templates` names them (`tmpl_<sha1 of the name>.py`, what
`jinja2.ModuleLoader` loads), and writes each module's bytecode, into html/templates_compiled/
(gitignored) unless --out says otherwise; `make setup-templates` and the reporter image's build
run it. A build then imports five small modules instead of lexing, parsing and compiling the
templates from source (about 0.13 s of every build).

The folder's SOURCE_DIGEST is a hash of what it was compiled from: every template's name and
bytes, jinja2's version and the environment's COMPILE_SETTINGS. `environment` uses the folder
only when that hash is the one of now; a stale folder (a template edited since, another jinja2
or other settings) is not used, with a RuntimeWarning saying how to rebuild it, and the
templates are compiled from source instead, as when there is no folder. The pages are the same
either way.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import os
import warnings
from pathlib import Path

import jinja2

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
COMPILED = HERE / "templates_compiled"
DIGEST_FILE = "SOURCE_DIGEST"
# The environment's settings that jinja2's lexer and code generator read: compiled templates
# are current only for the same ones (they are part of the digest).
COMPILE_SETTINGS = (
    "block_start_string", "block_end_string", "variable_start_string", "variable_end_string",
    "comment_start_string", "comment_end_string", "line_statement_prefix", "line_comment_prefix",
    "trim_blocks", "lstrip_blocks", "newline_sequence", "keep_trailing_newline", "optimized",
    "autoescape", "finalize", "is_async", "extensions",
)  # fmt: skip


def environment(compiled: Path | None = None) -> jinja2.Environment:
    """The pages' environment: the templates compiled into `compiled` (default COMPILED) when
    that folder is current, else the templates themselves."""
    env = _environment()
    folder = COMPILED if compiled is None else compiled
    env.loader = jinja2.ModuleLoader(folder) if is_current(folder, env) else source_loader()
    return env


def source_loader() -> jinja2.BaseLoader:
    return jinja2.PackageLoader("gatling_reporter.html", "templates")


def _environment() -> jinja2.Environment:
    """Without a loader yet: which one depends on the digest, which depends on the settings."""
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    # Every page carries its chart data: without spaces it is 15% smaller (1,000 pages: 1.3 MB).
    env.policies["json.dumps_kwargs"] = {"sort_keys": True, "separators": (",", ":")}
    return env


def digest(env: jinja2.Environment, templates: Path = TEMPLATES) -> str:
    """A hash of the templates (names and bytes), jinja2's version and env's COMPILE_SETTINGS."""
    hashed = hashlib.sha256(f"jinja2 {jinja2.__version__}\n".encode())
    for name in COMPILE_SETTINGS:
        value = getattr(env, name)
        shown = sorted(value) if name == "extensions" else getattr(value, "__qualname__", value)
        hashed.update(f"{name}={shown!r}\n".encode())
    for path in sorted(p for p in templates.rglob("*") if p.is_file()):
        content = path.read_bytes()
        hashed.update(f"\n{path.relative_to(templates).as_posix()} {len(content)}\n".encode())
        hashed.update(content)
    return hashed.hexdigest()


def is_current(compiled: Path, env: jinja2.Environment | None = None) -> bool:
    """Whether `compiled` holds the templates of now, compiled for env's settings (default: the
    pages' environment); warns when it holds others."""
    built = _digest_of(compiled)
    if built is None:
        return False  # never compiled (a checkout before `make setup-templates`): no warning
    if built == digest(env or _environment()):
        return True
    warnings.warn(
        f"{compiled} was compiled from other templates (or another jinja2): not used (the "
        f"templates are compiled from source instead); rebuild it with python -m {__name__}",
        RuntimeWarning,
        stacklevel=3,
    )
    return False


def compile_all(out: Path = COMPILED, *, force: bool = False) -> bool:
    """Compile every template into `out` unless it is current already; whether it compiled."""
    import py_compile  # lazy: only this writes bytecode (a build only reads it)

    env = _environment()
    source_digest = digest(env)  # before reading the templates: an edit meanwhile makes it stale
    if not force and _digest_of(out) == source_digest:
        return False
    out.mkdir(parents=True, exist_ok=True)
    (out / DIGEST_FILE).unlink(missing_ok=True)  # not current while its modules are replaced
    env.loader = loader = source_loader()
    written = set()
    for name in env.list_templates():
        source, filename, _ = loader.get_source(env, name)
        code = env.compile(source, name, filename, raw=True, defer_init=True)
        module = out / jinja2.ModuleLoader.get_module_filename(name)
        _write_atomically(module, code)
        # Its bytecode too, written even under PYTHONDONTWRITEBYTECODE (the image's build sets it).
        py_compile.compile(str(module), importlib.util.cache_from_source(str(module)), doraise=True)
        written.add(module.name)
    for leftover in out.glob("tmpl_*.py"):  # of a template renamed or removed since
        if leftover.name not in written:
            leftover.unlink()
            Path(importlib.util.cache_from_source(str(leftover))).unlink(missing_ok=True)
    _write_atomically(out / DIGEST_FILE, source_digest + "\n")  # last: the folder is complete
    return True


def _digest_of(compiled: Path) -> str | None:
    try:
        return (compiled / DIGEST_FILE).read_text("ascii").strip()
    except (OSError, UnicodeDecodeError):
        return None


def _write_atomically(path: Path, text: str) -> None:
    """Written under another name, then renamed: a build reading the folder meanwhile never
    sees a half-written file."""
    scratch = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    scratch.write_text(text, encoding="utf-8")
    os.replace(scratch, path)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument(
        "--out", type=Path, default=COMPILED, help="folder (default: the package's)"
    )
    parser.add_argument("--force", action="store_true", help="compile even if up to date")
    args = parser.parse_args(argv)
    built = compile_all(args.out, force=args.force)
    print(f"{'compiled' if built else 'up to date'}: {args.out}")


if __name__ == "__main__":
    main()
