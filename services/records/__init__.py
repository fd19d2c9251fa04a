"""Records: the trust-wide audit trail, incidents, concerns and write-ups."""
