"""Tag workers: every input's tag in its place whatever the number of workers; a worker that dies or stalls
fails the build instead of hanging it; the key goes over the pipe, never on the command line."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from warden.errors import PsiListError
from warden.psi.suite import ServerKey
from warden.psi.tag_worker import RUN, compute_tags

KEY = ServerKey.generate()


@pytest.mark.parametrize("workers", [1, 2, 3])
def test_tags_come_back_in_the_order_of_the_inputs(workers: int) -> None:
    inputs = [
        os.urandom(1 + number % 90) for number in range(2 * RUN + 17)
    ]  # runs of every worker, one short
    tags = compute_tags(inputs, KEY, workers)
    assert [bytes(row) for row in tags] == [KEY.tag(data) for data in inputs]


def test_no_inputs_need_no_worker() -> None:
    assert compute_tags([], KEY, 2).shape == (0, 64)


def test_an_empty_input_is_refused_before_any_worker_starts() -> None:
    with pytest.raises(ValueError, match="1 to 65535 bytes"):
        compute_tags([b"one", b""], KEY, 2)


def stand_in(code: str) -> tuple[str, ...]:
    """A worker's command line running ``code`` instead of the real worker."""
    return (sys.executable, "-c", code)


def test_a_worker_that_dies_is_an_error_naming_its_exit_code_and_last_words() -> None:
    dies = "import sys; sys.stdin.buffer.read(40); sys.stdout.buffer.write(bytes(64 * 3));"
    dies += "print('out of memory, say', file=sys.stderr); sys.exit(7)"
    with pytest.raises(
        PsiListError, match=r"stopped before giving all its tags \(exit code 7\): out of memory"
    ):
        compute_tags([b"x"] * 5000, KEY, 2, command=stand_in(dies))


def test_a_worker_that_gives_every_tag_but_fails_is_still_an_error() -> None:
    fails = "import sys; sys.stdin.buffer.read(); sys.stdout.buffer.write(bytes(64 * 3)); sys.exit(1)"
    with pytest.raises(PsiListError, match=r"exit code 1"):
        compute_tags([b"x"] * 3, KEY, 1, command=stand_in(fails))


def test_a_worker_that_stops_answering_is_stopped_and_is_an_error() -> None:
    """The stand-in never answers: the build fails however fast or slow the machine (no time is measured)."""
    stalls = "import sys, time; sys.stdin.buffer.read(34); time.sleep(600)"
    with pytest.raises(PsiListError, match=r"gave no tag for"):
        compute_tags([b"x"] * 10, KEY, 1, command=stand_in(stalls), stall_seconds=0.5)


def test_the_seed_is_read_from_the_pipe_not_from_the_command_line() -> None:
    echo = "import sys; data = sys.stdin.buffer.read(); print(repr(sys.argv), file=sys.stderr); sys.exit(1)"
    with pytest.raises(PsiListError) as failed:
        compute_tags([b"x"], KEY, 1, command=stand_in(echo))
    assert "-c" in str(failed.value) and KEY.seed.hex() not in str(failed.value)


def test_the_worker_refuses_a_truncated_input() -> None:
    framed = KEY.seed + len(KEY.info).to_bytes(2, "big") + KEY.info + (5).to_bytes(2, "big") + b"abc"
    done = subprocess.run(
        [sys.executable, "-m", "warden.psi.tag_worker"], input=framed, capture_output=True, check=False
    )
    assert done.returncode == 2 and b"input ended" in done.stderr and done.stdout == b""
