"""The worker's container recipe, checked without a Docker engine: the Dockerfile's install
steps run in a clean virtualenv from only what .dockerignore lets into the build context, and
the result imports every handler and answers its CLI."""

from __future__ import annotations

import re
import shutil
import subprocess
import venv
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_dockerfile_is_slim_non_root_and_has_a_healthcheck():
    dockerfile = (REPO / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.11-slim$", dockerfile, re.MULTILINE)
    assert re.search(r"^USER 10001$", dockerfile, re.MULTILINE)
    assert "HEALTHCHECK" in dockerfile and "/healthz" in dockerfile
    assert 'ENTRYPOINT ["fieldbase-worker"]' in dockerfile


def test_the_image_install_steps_give_a_working_worker(tmp_path):
    context = tmp_path / "context"
    context.mkdir()
    for name in ("requirements-runtime.lock", "pyproject.toml", "README.md"):
        shutil.copy(REPO / name, context / name)
    shutil.copytree(
        REPO / "worker", context / "worker", ignore=shutil.ignore_patterns("__pycache__")
    )
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    pip = [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", "--no-deps"]
    subprocess.run([*pip, "-r", "requirements-runtime.lock"], cwd=context, check=True)
    subprocess.run([*pip, "."], cwd=context, check=True)

    imports = subprocess.run(
        [
            str(python),
            "-c",
            "import worker.app, worker.storage; from worker.handlers import build_registry; "
            "print(len(build_registry().kinds()))",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert imports.returncode == 0, imports.stderr
    assert int(imports.stdout) >= 10
    cli = subprocess.run(
        [str(env_dir / "bin" / "fieldbase-worker"), "--help"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert cli.returncode == 0 and "run" in cli.stdout and "status" in cli.stdout
    # pytest and the dev tools are not in the image.
    assert subprocess.run([str(python), "-c", "import pytest"], capture_output=True).returncode != 0
