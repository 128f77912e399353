"""The ticket function: the API's routes, the desk's rules, the ports they need and one adapter module per backend.

It never imports `kbdesk`, so it deploys on its own.
"""
