"""Security: who is acting, and what they may reach.

Bearer tokens and the trust's OpenID Connect identity, the one access policy (role and scope) for
every route and page, each school's staff register as every service knows it, and which trust a
school belongs to. A new route gets its entry in `access`; nothing here serves HTTP itself.
"""
