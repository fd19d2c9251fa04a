"""The pages people use: staff on a phone, the buddy and office board, DSLs, trust operations
and auditors. Server-rendered by Doorstep, no build step, nothing from a CDN."""
