"""The kernels built ahead of time (aot_build, numba.pycc) read like numba's JIT and numpy, and
spare the reader numba's import.

The extensions are built once into a temporary folder; each backend then reads the same logs
in its own process (the AOT one with that folder added to the readers package's path, the JIT
one with GATLING_FLEET_KERNEL=jit, the numpy one with =numpy), and the records and skip counts
of the three must be equal.
"""

from __future__ import annotations

import importlib.util
import os
import pickle
import random
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path
from typing import Any

import pytest
from gatling_common.results.generators.generate import RunSpec, write_binary_log, write_text_log

from tests.results import test_read_fast_30 as old
from tests.results import test_read_kernel as new
from tests.results.read_helpers import read_records
from tests.support.shared import REPO_ROOT, gatling_fixture

PACKAGE = "gatling_common.results.readers"
TEXT = [
    "v3.10.5-hard-zoladp-3.5MB/simulation.log",
    "v3.5.1-apicurio-45u-3.5MB/simulation.log",
    "v3.9.5-cats-kztka/simulation.log",
    "v3.1.2-game-practicads-2.7MB/simulation.log",
    "v3.3.1-karate-2vireddy/simulation.log",
    "nuxeo-format-samples/simulation-small-v3.4.log",
]
BINARY = [
    "v3.13.4bin-survey-gimesi/simulation.log",
    "v3.14.3bin-tracker-teleivo-sample/simulation.log",
    "gatling-testres-v3.13bin-known_stats/simulation.log",
]


def _c_compiler() -> str | None:
    return shutil.which((sysconfig.get_config_var("CC") or "cc").split()[0])


pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("numba") is None or _c_compiler() is None,
    reason="building the AOT kernels needs numba and a C compiler",
)


def _env(kernel: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "GATLING_FLEET_KERNEL"}
    if kernel:
        env["GATLING_FLEET_KERNEL"] = kernel
    env["PYTHONPATH"] = os.pathsep.join([str(REPO_ROOT), env.get("PYTHONPATH", "")])
    return env


def _python(code: str, *, aot: Path | None = None, kernel: str | None = None) -> str:
    """Run code in a fresh interpreter (the AOT folder on the readers' path first); its stdout."""
    prelude = f"import {PACKAGE} as p; p.__path__.append({str(aot)!r})\n" if aot else ""
    done = subprocess.run(
        [sys.executable, "-c", prelude + code],
        cwd=REPO_ROOT,
        env=_env(kernel),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def aot(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("aot")
    built = _python(f"from {PACKAGE}.aot_build import main; main(['--out', {str(out)!r}])")
    assert built.count("built: ") == 2, built
    return out


def _extensions(folder: Path) -> list[Path]:
    return sorted(folder.glob("_*_kernel_aot.*"))


def test_the_build_is_idempotent_and_releases_the_gil(aot: Path) -> None:
    again = _python(f"from {PACKAGE}.aot_build import main; main(['--out', {str(aot)!r}])")
    assert again.count("up to date: ") == 2, again
    names = [p.name.split(".")[0] for p in _extensions(aot)]
    assert names == ["_binary_kernel_aot", "_text_kernel_aot"]
    for path in _extensions(aot):  # the wrappers call PyEval_SaveThread (numba's nogil)
        assert b"PyEval_SaveThread" in path.read_bytes()


def test_importing_the_reader_with_the_aot_kernels_imports_no_numba(aot: Path) -> None:
    code = f"""
import sys
import gatling_common.results.readers.reader
from {PACKAGE} import binary_kernel, text_kernel
print(text_kernel.BACKEND, binary_kernel.BACKEND, sorted(m for m in sys.modules if "numba" in m))
"""
    assert _python(code, aot=aot).split() == ["aot", "aot", "[]"]
    assert _python(code, aot=aot, kernel="jit").split()[:2] == ["jit", "jit"]
    assert _python(code, aot=aot, kernel="numpy").split() == ["None", "None", "[]"]


def test_the_aot_kernels_read_without_numba_installed(aot: Path, tmp_path: Path) -> None:
    path = write_text_log(tmp_path / "simulation.log", RunSpec(requests=3000, duration_s=60))
    code = f"""
import sys
sys.modules["numba"] = sys.modules["llvmlite"] = None  # any import of them fails
from {PACKAGE} import text_kernel
from tests.results.read_helpers import read_records
records, skipped = read_records(__import__("pathlib").Path({str(path)!r}))
print(text_kernel.BACKEND, len(records["REQUEST"]), skipped.total)
"""
    assert _python(code, aot=aot).split() == ["aot", "3000", "0"]


def test_an_extension_built_from_another_source_is_not_used(aot: Path) -> None:
    code = f"""
import warnings
from {PACKAGE} import aot_build
aot_build.digest = lambda source_file: 12345  # as if the kernel had been edited since
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    from {PACKAGE} import text_kernel
print(text_kernel.BACKEND, ["built from another text_kernel.py" in str(w.message) for w in caught])
"""
    assert _python(code, aot=aot).split() == ["jit", "[True]"]


# -- the same records from every backend ---------------------------------------------------------


def _worker(cases_file: str) -> None:
    """(In a subprocess) decode every case with this process's backend; pickle the results."""
    from gatling_common.results.readers import binary_kernel, text_kernel

    cases: dict[str, Any] = pickle.loads(Path(cases_file).read_bytes())
    compiled = text_kernel.AVAILABLE
    out: dict[str, Any] = {"backends": (text_kernel.BACKEND, binary_kernel.BACKEND)}
    for path in cases["logs"]:  # the reader: chunks, scan-ahead threads, text or binary
        records, skipped = read_records(Path(path), batch_records=1000)
        out[path] = records, dict(skipped.counts)
    for chunk_lines in (7, 1000):
        records, skipped = new.decode(cases["odd"], compiled=compiled, chunk_lines=chunk_lines)
        out[f"odd/{chunk_lines}"] = records, dict(skipped.counts)
        mode = "kernel" if compiled else "numpy"
        out[f"old/{chunk_lines}"] = old.decode(cases["old"], mode, chunk_lines)[:2]
    for step in (1000, 1 << 20):
        data = Path(cases["binary"]).read_bytes()[:-5]  # a cut last record too
        records, skipped = new.decode_binary(data, compiled=binary_kernel.AVAILABLE, step=step)
        out[f"binary/{step}"] = records, dict(skipped.counts)
    Path(cases_file + f".{text_kernel.BACKEND}").write_bytes(pickle.dumps(out))


def _decoded(cases_file: Path, aot: Path, kernel: str | None) -> dict[str, Any]:
    code = f"from tests.results.test_aot_kernels import _worker; _worker({str(cases_file)!r})"
    _python(code, aot=aot if kernel is None else None, kernel=kernel)
    backend = {None: "aot", "jit": "jit", "numpy": "None"}[kernel]
    return pickle.loads(Path(f"{cases_file}.{backend}").read_bytes())  # type: ignore[no-any-return]


def test_aot_jit_and_numpy_give_the_same_records(aot: Path, tmp_path: Path) -> None:
    rng = random.Random(14)
    text = write_text_log(tmp_path / "text.log", RunSpec(requests=20_000, duration_s=60))
    binary = write_binary_log(tmp_path / "binary.log", RunSpec(requests=5000, duration_s=60))
    old_log = write_text_log(tmp_path / "old.log", RunSpec(requests=5000, version="3.2.1"))
    logs = [gatling_fixture(*name.split("/")) for name in TEXT + BINARY] + [text, binary, old_log]
    cases = {
        "logs": [str(p) for p in logs],
        "odd": new.encode([rng.choice(new.ODD_LINES) for _ in range(3000)]) + b"\n",
        "old": old.encode([rng.choice(old.LINES_30) for _ in range(3000)]) + b"\n",
        "binary": str(binary),
    }
    cases_file = tmp_path / "cases.pickle"
    cases_file.write_bytes(pickle.dumps(cases))

    by_aot = _decoded(cases_file, aot, None)
    by_jit = _decoded(cases_file, aot, "jit")
    by_numpy = _decoded(cases_file, aot, "numpy")
    assert by_aot.pop("backends") == ("aot", "aot")
    assert by_jit.pop("backends") == ("jit", "jit")
    assert by_numpy.pop("backends") == (None, None)
    assert len(by_aot) == len(logs) + 6
    for case, (records, skipped) in by_aot.items():
        assert sum(len(rows) for rows in records.values()) > 0, case
        assert (records, skipped) == by_jit[case], case
        assert (records, skipped) == by_numpy[case], case
    assert by_aot["binary/1000"][1] == {"truncated record": 1}
    assert by_aot["odd/7"][1]["invalid UTF-8"] > 50
