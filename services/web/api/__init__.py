"""The pages' routes, server-rendered. Thin: read the form, call a service's API, render.

`signin` and `oidc`: signing in; `staff`: staff on a phone, `ask` asking for a visit by name
(`people`: names from the register and the roll); `imports`: the office's MIS imports; `board`:
the buddy and office board; `dsl` (with `assess`, its forms): requests and decisions;
`safeguarding`: incidents and concerns; `trust`: trust operations and auditors; `pages`: the
templates and what every page shares.
"""
