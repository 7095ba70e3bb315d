"""A CPU-time budget (hsa.sandbox.clock): the meter read only when the budget could have run out."""

import pytest

from hsa.sandbox import clock as clocks


class Meter:
    """CPU seconds used: ``rate`` CPU seconds per wall second of ``clock``; counts its reads."""

    def __init__(self, clock, rate):
        self.clock, self.rate, self.reads, self.start = clock, rate, 0, clock.now

    def __call__(self):
        self.reads += 1
        return self.rate * (self.clock.now - self.start)


def test_the_meter_is_read_only_once_the_wall_time_could_have_spent_the_budget(clock):
    meter = Meter(clock, rate=0.5)  # a submission that waits half the time
    deadline = clocks.Deadline.after(2.0, meter)
    assert meter.reads == 1
    for _ in range(100):  # looks within the first 2 s of wall time: no read
        clock.now += 0.019
        assert deadline.left() > 0
    assert meter.reads == 1
    clock.now += 0.2  # 2.1 s of wall time: 1.05 s of CPU used, read once
    assert deadline.left() == pytest.approx(0.95)
    assert meter.reads == 2
    clock.now += 0.5  # within what the new reading bounds: no read
    assert deadline.left() == pytest.approx(0.45)
    assert meter.reads == 2


def test_a_busy_submission_runs_out_of_cpu_time_as_before(clock):
    meter = Meter(clock, rate=1.0)
    deadline = clocks.Deadline.after(1.5, meter)
    clock.now += 1.4
    assert not deadline.passed()
    clock.now += 0.2
    assert deadline.passed() and deadline.cpu_ran_out()


def test_a_sleeping_submission_ends_on_its_wall_bound(clock):
    meter = Meter(clock, rate=0.0)
    deadline = clocks.Deadline.after(1.0, meter)
    clock.now += clocks.WALL_FACTOR * 1.0 + 0.01
    assert deadline.passed() and not deadline.cpu_ran_out()


def test_the_sooner_of_two_deadlines_keeps_the_latest_reading(clock):
    meter = Meter(clock, rate=1.0)
    hard = clocks.Deadline.after(10.0, meter)
    clock.now += 3.0
    budget = clocks.Deadline.after(1.0, meter).sooner(hard)
    assert budget.cpu == pytest.approx(4.0) and budget.reading.at == clock.now
    reads = meter.reads
    clock.now += 0.9
    assert budget.left() == pytest.approx(0.1) and meter.reads == reads


def test_without_a_meter_budgets_count_wall_time(clock):
    deadline = clocks.Deadline.after(2.0)
    clock.now += 1.5
    assert deadline.left() == pytest.approx(0.5) and deadline.counted() == "wall time"


def test_a_throttled_meter_is_read_once_per_interval(clock):
    meter = Meter(clock, rate=1.0)
    throttled = clocks.Throttled(meter)
    first = throttled()
    clock.now += clocks.READ_EVERY / 2
    assert throttled() == first and meter.reads == 1
    clock.now += clocks.READ_EVERY
    assert throttled() == pytest.approx(1.5 * clocks.READ_EVERY) and meter.reads == 2
