-- One database; each service keeps its own schema (created by the service at start-up).
-- The records service's audit trail is append-only: grant the services no TRUNCATE.
CREATE DATABASE doorstep;
