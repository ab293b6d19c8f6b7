"""Ahead-of-time build of the readers' compiled kernels, and the check that a build is current.

`python -m gatling_common.results.readers.aot_build [--out DIR]` compiles the entry points that
each kernel module lists in AOT_EXPORTS (explicit signatures) with numba.pycc into a CPython
extension `_<kernel>_aot`, beside the kernels unless --out says otherwise, one line printed per
module. The kernels are the very functions numba's JIT compiles (their `py_func`): one source.
Building needs numba, setuptools and a C compiler; the extensions need only numpy at run time.

Every extension also exports `source_digest()`, a hash of its kernel module's source when it
was built: `load` refuses an extension that does not match (a kernel edited since), so the
kernels fall back to numba's JIT until the next build. GATLING_FLEET_KERNEL=jit skips the
extensions (the build itself, and tests comparing the backends, use that); `numpy` skips numba
too. Exports release the GIL like the JIT's `nogil=True` (pycc's wrappers would hold it).
"""

from __future__ import annotations

import argparse
import hashlib
import importlib
import importlib.util
import os
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any

PACKAGE = "gatling_common.results.readers"
KERNELS = ("text_kernel", "binary_kernel")
ENV = "GATLING_FLEET_KERNEL"
CHOICES = ("auto", "jit", "numpy")


def choice() -> str:
    """GATLING_FLEET_KERNEL: auto (AOT, else JIT, else numpy; the default), jit or numpy."""
    value = os.environ.get(ENV, "auto") or "auto"
    if value not in CHOICES:
        raise ValueError(f"{ENV}={value!r}: expected one of {', '.join(CHOICES)}")
    return value


def digest(source_file: str) -> int:
    """A 63-bit hash of a kernel module's source (an int64 the extension can return)."""
    hashed = hashlib.sha256(Path(source_file).read_bytes()).digest()
    return int.from_bytes(hashed[:8], "little") >> 1


def module_name(kernel: str) -> str:
    return f"_{kernel}_aot"


def load(kernel: str, source_file: str) -> ModuleType | None:
    """The built extension of a kernel module, None if there is none, it is stale, or the
    environment asks for another backend."""
    if choice() != "auto":
        return None
    try:
        module = importlib.import_module(f"{PACKAGE}.{module_name(kernel)}")
    except ImportError:
        return None
    try:
        current = module.source_digest() == digest(source_file)
    except OSError:  # no source to check it against
        return None
    if not current:
        warnings.warn(
            f"{module.__file__} was built from another {kernel}.py: not used (JIT instead); "
            f"rebuild it with python -m {__name__}",
            RuntimeWarning,
            stacklevel=3,
        )
        return None
    return module


def select(kernel: str, source_file: str) -> tuple[str | None, ModuleType | None]:
    """(backend, extension) of a kernel module: "aot" and its extension if one is built and
    current (numba is then not imported), else "jit" if numba imports (and the environment
    allows it), else None (the module's callers use their numpy or Python path)."""
    extension = load(kernel, source_file)
    if extension is not None:
        return "aot", extension
    if choice() == "numpy":
        return None, None
    try:
        import numba  # noqa: F401  (the kernel module then compiles with it)
    except ImportError:
        return None, None
    return "jit", None


def _constant(value: int) -> Callable[[], int]:
    def source_digest() -> int:
        return value

    return source_digest


@contextmanager
def _releasing_the_gil() -> Iterator[None]:
    """pycc compiles its exports with default Flags, whose CPython wrappers hold the GIL while
    the kernel runs: have them release it (numba's nogil) while building."""
    from numba.pycc import compiler as _compiler

    compiler: Any = _compiler  # its Flags is replaced for the build
    default = compiler.Flags

    class NoGil(default):  # type: ignore[misc, valid-type]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.release_gil = True

    compiler.Flags = NoGil
    try:
        yield
    finally:
        compiler.Flags = default


def _current(path: Path, kernel: str, source_file: str) -> bool:
    """Whether the extension at path was built from this source (loaded under a scratch name)."""
    if not path.is_file():
        return False
    spec = importlib.util.spec_from_file_location(module_name(kernel), path)
    if spec is None or spec.loader is None:
        return False
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return bool(module.source_digest() == digest(source_file))


def build(out: Path, *, force: bool = False) -> list[tuple[Path, bool]]:
    """Compile every kernel module's exports into `out` (unless already built from the same
    source); (extension, whether it was built now) per kernel."""
    os.environ[ENV] = "jit"  # the kernels' numba functions, not an extension built before
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pycc's NumbaPendingDeprecationWarning
        from numba.pycc import CC

    out.mkdir(parents=True, exist_ok=True)
    done = []
    for kernel in KERNELS:
        source = importlib.import_module(f"{PACKAGE}.{kernel}")
        if source.BACKEND != "jit":
            raise RuntimeError(f"{kernel} did not load its numba kernels (numba installed?)")
        cc, source_file = CC(module_name(kernel), source), str(source.__file__)
        target = out / cc.output_file
        if not force and _current(target, kernel, source_file):
            done.append((target, False))
            continue
        for name, signature in source.AOT_EXPORTS.items():
            cc.export(name, signature)(getattr(source, f"_{name}").py_func)
        cc.export("source_digest", "i8()")(_constant(digest(source_file)))
        # Built under another name, then renamed: a process that has the old one loaded, or
        # imports it meanwhile, never sees a half-written file.
        cc.output_dir, cc.output_file = str(out), f".{cc.output_file}.{os.getpid()}.tmp"
        with _releasing_the_gil():
            cc.compile()
        os.replace(out / cc.output_file, target)
        done.append((target, True))
    return done


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument(
        "--out", type=Path, default=Path(__file__).parent, help="folder (default: the package's)"
    )
    parser.add_argument("--force", action="store_true", help="rebuild even if up to date")
    args = parser.parse_args(argv)
    for path, built in build(args.out, force=args.force):
        print(f"{'built' if built else 'up to date'}: {path}")


if __name__ == "__main__":
    main()
