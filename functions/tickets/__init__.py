"""The ticket function: the API (`app`, its `routes` and `refusals`), the desk's rules, the ports
they need, and the adapters of each backend (`adapters`, wired by `backends`).

It never imports `kbdesk`, so it deploys on its own.
"""
