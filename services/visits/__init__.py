"""The visits service: a home visit's life from request to return."""
