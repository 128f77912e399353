"""The ticket function: routes, domain rules and backend adapters (next step).

It never imports `kbdesk`, so it deploys on its own.
"""
