"""The tests' one poll helper: it returns the first answer that is ready, retries past only the
exceptions it is told to, and says what it waited for and what it saw last when time runs out."""

from __future__ import annotations

import itertools

import pytest

from shared.testing.polling import until, until_sync


async def test_until_returns_the_first_truthy_answer_of_a_sync_or_async_check() -> None:
    counts = itertools.count()
    assert await until(lambda: next(counts) >= 3 and "third", "the third try", every=0) == "third"

    async def later() -> list[int]:
        return [n for n in [next(counts)] if n >= 6]

    assert await until(later, "the sixth try", every=0) == [6]


async def test_until_hands_back_the_answer_ready_takes() -> None:
    answers = iter([{"status": "requested"}, {"status": "authorised"}])
    got = await until(lambda: next(answers), "authorised", every=0,
                      ready=lambda state: state["status"] == "authorised")
    assert got == {"status": "authorised"}


async def test_until_names_what_it_waited_for_and_the_last_answer() -> None:
    with pytest.raises(AssertionError, match=r"never saw the door open in 0\.1 s; last seen: 'shut'"):
        await until(lambda: "shut", "the door open", seconds=0.1, ready=lambda door: door == "open")
    with pytest.raises(AssertionError, match=r"last seen: \['A', 'B'\]"):
        await until(lambda: ["a", "b"], "three", seconds=0.1, ready=lambda xs: len(xs) == 3,
                    show=lambda xs: [x.upper() for x in xs])


async def test_until_retries_past_only_the_exceptions_it_is_given() -> None:
    tries = itertools.count()

    async def flaky() -> str:
        if next(tries) < 2:
            raise ConnectionError("not yet")
        return "up"

    def down() -> str:
        raise ConnectionError("down")

    assert await until(flaky, "a connection", every=0, ignoring=(ConnectionError,)) == "up"
    with pytest.raises(ConnectionError):
        await until(down, "a connection")
    with pytest.raises(AssertionError, match=r"last seen: ConnectionError\('down'\)") as failed:
        await until(down, "a connection", seconds=0.1, ignoring=(ConnectionError,))
    assert isinstance(failed.value.__cause__, ConnectionError)


def test_until_sync_blocks_the_same_way_and_refuses_an_async_check() -> None:
    counts = itertools.count()
    assert until_sync(lambda: next(counts), "a first non-zero", every=0) == 1
    with pytest.raises(AssertionError, match=r"never saw a miracle in 0\.1 s; last seen: 0"):
        until_sync(lambda: 0, "a miracle", seconds=0.1)

    async def later() -> int:
        return 1

    with pytest.raises(TypeError, match="await until"):
        until_sync(later, "an async answer")  # type: ignore[unused-coroutine]
