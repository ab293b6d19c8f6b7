"""Every image as built: its entrypoint as uid 1000, what stays out of it, the waiter's size.

Needs `make images` first (see conftest.py). Run: .venv/bin/pytest tests/containers
"""

from __future__ import annotations

import pytest

from tests.containers.conftest import PARTS, UID, Images

pytestmark = pytest.mark.containers

WAITER_LIMIT = 200 * 1000 * 1000  # bytes, as podman and docker count MB


@pytest.mark.parametrize("part", PARTS)
def test_entrypoint_help_runs_as_uid_1000(images: Images, part: str) -> None:
    config = images.inspect(part)["Config"]
    assert isinstance(config, dict)
    assert config["User"] == "1000:1000"
    assert config["Entrypoint"] == [f"gatling-{part}"]
    result = images.run(part, "--help", options=("--network", "none"))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"Usage: gatling-{part} "), result.stdout
    whoami = images.run(part, options=("--network", "none", "--entrypoint", "id"))
    assert whoami.stdout.split()[0] == f"uid={UID}(gatling)", whoami.stdout


# pip, setuptools, caches and the dependencies' own tests stay in the builder stage.
_CLEAN = """
import importlib.util, pathlib, sys, sysconfig
assert importlib.util.find_spec("pip") is None, "pip"
assert importlib.util.find_spec("setuptools") is None, "setuptools"
site = pathlib.Path(sysconfig.get_path("purelib"))
tests = [str(p) for p in site.rglob("*") if p.is_dir() and p.name in ("tests", "test")]
assert not tests, tests[:5]
part = sys.argv[1]
others = {"waiter", "transferer", "reporter", "controller"} - {part}
assert not [o for o in others if (site / f"gatling_{o}").exists()], "other agents' code"
for cache in ("/root/.cache", "/var/lib/apt/lists", "/var/cache/apt/archives"):
    path = pathlib.Path(cache)
    assert not path.exists() or not [p for p in path.rglob("*") if p.is_file()], cache
"""


@pytest.mark.parametrize("part", PARTS)
def test_no_pip_setuptools_caches_or_tests(images: Images, part: str) -> None:
    result = images.run(
        part,
        "-c",
        _CLEAN,
        part,
        options=("--network", "none", "--user", "0", "--entrypoint", "python"),
    )
    assert result.returncode == 0, result.stderr


def test_the_waiter_image_is_at_most_200_mb(images: Images) -> None:
    size = images.inspect("waiter")["Size"]
    assert isinstance(size, int)
    assert size <= WAITER_LIMIT, f"{size / 1e6:.0f} MB"


# The readers as a pod runs them: from the extension compiled at build time, numba not shipped,
# and a 3.0-3.3 log read through them (the old layout: the newest kernel code), nothing compiled.
_COMPILED = """
import importlib.util, pathlib, tempfile
assert importlib.util.find_spec("numba") is None, "numba is shipped"
from gatling_common.results.readers import binary_kernel, reader, text_kernel
assert text_kernel.BACKEND == binary_kernel.BACKEND == "aot", (text_kernel.BACKEND,)
log = pathlib.Path(tempfile.mkdtemp()) / "simulation.log"
t = 1_700_000_000_000
log.write_text(
    f"RUN\\tx.Sim\\tsim\\t{t}\\t \\t3.2.1\\n"
    f"USER\\tS\\t1\\tSTART\\t{t}\\t{t}\\n"
    + "".join(f"REQUEST\\t1\\t\\tGet\\t{t + i}\\t{t + i + 5}\\tOK\\t \\n" for i in range(1000))
)
with reader.open_log(log) as records:
    n = sum(len(b.req_key) for b in records)
assert n == 1000, n
"""


@pytest.mark.parametrize("part", ["transferer", "reporter"])
def test_readers_run_compiled_without_numba(images: Images, part: str) -> None:
    result = images.run(
        part, "-c", _COMPILED, options=("--network", "none", "--entrypoint", "python")
    )
    assert result.returncode == 0, result.stderr
