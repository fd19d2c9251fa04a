"""The `doorstep` command."""
