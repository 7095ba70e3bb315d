"""The grader's end of the channel (Sandbox.receive) on a bare pipe: lines however they
arrive, and every misbehaviour of the other end a named SandboxFailure."""

import os
import threading
import time

import pytest

from hsa.exceptions import ProtocolViolation, SandboxDied, SandboxTimedOut
from hsa.outcomes import Isolation
from hsa.sandbox.process import Sandbox
from hsa.untrusted import protocol


class Exited:
    """Stands in for the worker's Popen once it has exited with ``code``."""

    def __init__(self, code):
        self.code = code

    def wait(self, timeout=None):
        return self.code


@pytest.fixture
def channel():
    """(sandbox, write end): the sandbox reads what the test writes."""
    read_fd, write_fd = os.pipe()
    sandbox = Sandbox(Isolation.BWRAP)
    sandbox._responses = read_fd
    yield sandbox, write_fd
    for fd in (read_fd, write_fd):
        try:
            os.close(fd)
        except OSError:
            pass


def soon(seconds=5):
    return time.monotonic() + seconds


def test_lines_split_and_joined_arrive_one_message_each(channel):
    sandbox, fd = channel
    os.write(fd, b'{"event":"start","cell":0}\n{"event":"done",')
    assert sandbox.receive(soon()) == {"event": "start", "cell": 0}
    os.write(fd, b'"cell":0}\n')
    assert sandbox.receive(soon()) == {"event": "done", "cell": 0}
    os.write(fd, b'{"n":1}\n{"n":2}\n{"n":')
    os.write(fd, b'3}\n')
    assert [sandbox.receive(soon()) for _ in range(3)] == [{"n": 1}, {"n": 2}, {"n": 3}]


def test_a_line_begun_before_a_timeout_is_read_whole_after_it(channel):
    sandbox, fd = channel
    os.write(fd, b'{"text":"' + b"x" * 40)
    with pytest.raises(SandboxTimedOut):
        sandbox.receive(time.monotonic() + 0.05)
    os.write(fd, b'"}\n{}\n')
    assert sandbox.receive(soon()) == {"text": "x" * 40}
    assert sandbox.receive(soon()) == {}


def test_silence_past_the_deadline_is_a_timeout(channel):
    sandbox, _ = channel
    with pytest.raises(SandboxTimedOut):
        sandbox.receive(time.monotonic() + 0.05)
    with pytest.raises(SandboxTimedOut):
        sandbox.receive(time.monotonic() - 1)


@pytest.mark.parametrize("code, words", [(-9, "killed by SIGKILL (often: out of memory or CPU time)"),
                                         (-25, "killed by SIGXFSZ (file size)"),
                                         (3, "exited with code 3")])
def test_a_closed_channel_is_a_death_with_its_reason(channel, code, words):
    sandbox, fd = channel
    sandbox.process = Exited(code)
    os.write(fd, b'{"event":"start"')  # half a message, then gone
    os.close(fd)
    with pytest.raises(SandboxDied, match=words.replace("(", r"\(").replace(")", r"\)")):
        sandbox.receive(soon())


@pytest.mark.parametrize("line", [b"not json\n", b"[1, 2]\n", b"\xff\xfe\n",
                                  b'{"e":' + b"[" * 100_000 + b"]" * 100_000 + b"}\n"],
                         ids=["text", "list", "binary", "nested-100000"])
def test_an_unreadable_line_is_a_protocol_violation(channel, line):
    sandbox, fd = channel
    writer = threading.Thread(target=os.write, args=(fd, line))
    writer.start()
    with pytest.raises(ProtocolViolation, match="broke the grading protocol"):
        sandbox.receive(soon())
    writer.join()


def test_a_line_longer_than_the_limit_is_a_protocol_violation(channel):
    sandbox, fd = channel

    def flood():
        chunk = b"x" * (1 << 20)
        try:
            for _ in range(protocol.MAX_MESSAGE_BYTES // len(chunk) + 2):
                os.write(fd, chunk)
        except OSError:  # the test closed the pipe
            pass
    writer = threading.Thread(target=flood, daemon=True)
    writer.start()
    with pytest.raises(ProtocolViolation, match="larger than the grader accepts"):
        sandbox.receive(soon(30))
    os.close(sandbox._responses)  # unblock the writer
    writer.join(10)
