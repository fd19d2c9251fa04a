"""A test run drops the schemas it made, and never those of a run going on beside it."""

from __future__ import annotations

from shared.testing.servers import issued_schemas, schema_suffix


def test_only_the_schemas_this_run_made_are_its_to_drop() -> None:
    ours = schema_suffix()
    another_run = "_0123456789"  # made by another session, a benchmark or a service
    found = {f"records{ours}", f"visits{ours}", f"records{another_run}", "public_reports"}
    assert issued_schemas(found) == {f"records{ours}", f"visits{ours}"}
    assert schema_suffix() != ours
