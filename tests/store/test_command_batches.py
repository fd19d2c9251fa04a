"""Commands queued together run as one batch with one commit; each answers only once stored; a
domain refusal fails only its own command; a command that lost to another replica is run again."""

from __future__ import annotations

import asyncio
from uuid import UUID

from shared.storage.batching import CommandBatches
from shared.storage.commands import serialised
from shared.storage.groupcommit import GroupCommitted
from tests.store.tally import Tally


class Tallies(GroupCommitted):
    @serialised(by="tally_id")
    def count(self, tally_id: UUID) -> int:
        tally: Tally = self.repository.get(tally_id)
        if tally.count >= 3:
            raise ValueError("three is the most")
        tally.count_one()
        self.save(tally)
        return tally.count


async def test_commands_queued_together_share_a_batch_and_each_is_stored(store) -> None:
    app = Tallies(store)
    tallies = [Tally() for _ in range(40)]
    app.save(*tallies)
    batches = CommandBatches(app)
    commits_before = app.group_commit.commits

    async def count(tally: Tally) -> tuple[UUID, int]:
        counted = await batches.run(str(tally.id), lambda: app.count(tally.id))
        fresh = Tallies(store)  # no cache: what the store holds the moment the answer came
        stored = fresh.repository.get(tally.id).count
        fresh.close()
        return tally.id, stored - counted

    # every tally twice, queued at once: a batch holds one command per tally, so two batches
    answers = await asyncio.gather(*(count(t) for t in tallies + tallies))
    assert all(behind >= 0 for _, behind in answers), "an answer came before its event was stored"
    assert [app.repository.get(t.id).count for t in tallies] == [2] * len(tallies)
    assert batches.batches == 2
    assert app.group_commit.commits - commits_before == 2
    app.close()


async def test_a_refused_command_fails_alone(store) -> None:
    app = Tallies(store)
    full, fresh = Tally(), Tally()
    for _ in range(3):
        full.count_one()
    app.save(full, fresh)
    batches = CommandBatches(app)
    outcomes = await asyncio.gather(batches.run(str(full.id), lambda: app.count(full.id)),
                                    batches.run(str(fresh.id), lambda: app.count(fresh.id)),
                                    return_exceptions=True)
    assert isinstance(outcomes[0], ValueError)
    assert outcomes[1] == 1
    assert app.repository.get(full.id).count == 3
    assert app.repository.get(fresh.id).count == 1
    app.close()


async def test_a_command_that_lost_to_another_replica_runs_again(store) -> None:
    ours, theirs = Tallies(store), Tallies(store)
    contested, other = Tally(), Tally()
    ours.save(contested, other)
    batches = CommandBatches(ours)
    loads = []

    def count_after_the_other_replica() -> int:
        if not loads:  # the other replica writes after our load, before our batch commits
            loads.append(ours.repository.get(contested.id).version)
            result = ours.count(contested.id)
            theirs.count(contested.id)
            return result
        loads.append(ours.repository.get(contested.id).version)
        return ours.count(contested.id)

    counted = await asyncio.gather(
        batches.run(str(contested.id), count_after_the_other_replica),
        batches.run(str(other.id), lambda: ours.count(other.id)))
    assert loads == [1, 2]  # run again from a fresh load, after its batch was refused
    assert counted == [2, 1]
    assert ours.repository.get(contested.id).count == 2
    assert ours.repository.get(other.id).count == 1
    ours.close()
    theirs.close()
